import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

/**
 * One control-plane binary running as a child. It is started through util-linux's `setpriv --pdeathsig TERM`, so
 * the kernel stops it when this process dies, even by SIGKILL: no etcd or kube-apiserver is left behind.
 */
export class ControlPlaneProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  constructor(
    readonly name: string,
    binary: string,
    args: string[],
    readonly logFile: string,
  ) {
    const log = openSync(logFile, 'a');
    this.child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', binary, ...args], {
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
      this.child.once('error', () => {
        this.exitCode = -1;
        resolve(-1);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Throws with the end of its log when it has exited (called while waiting for it to become ready). */
  assertRunning(): void {
    if (this.exitCode === undefined) return;
    throw new Error(`${this.name} exited (${String(this.exitCode)}) during start-up:\n${this.logTail()}`);
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Resident memory in bytes (from /proc), 0 once exited. */
  rssBytes(): number {
    if (this.exitCode !== undefined || !this.child.pid) return 0;
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
      return kb ? Number(kb) * 1024 : 0;
    } catch {
      return 0;
    }
  }
}
