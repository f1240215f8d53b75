import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ApiSession, SessionStatusPatch } from '@ambient-operator/api-contract';
import type { AmbientApiClient, LocalModeConfig, Logger } from '@ambient-operator/shared';
import { decideLocal, exitPhase, freePort, runnerEnvironment } from './local-phase.js';
import { forgetRunner, recordRunner, stopOrphanedRunners } from './runner-records.js';

/**
 * MODE=local (issue 16): API sessions run as processes of this one owner (the README says why
 * one). State is bounded: at most `maxSessions` runners, and the ids waiting for a slot are capped.
 */
export interface LocalRunnersOptions {
  config: Readonly<LocalModeConfig>;
  ambient: AmbientApiClient;
  /** Given to runners as AMBIENT_API_SERVER_URL / AMBIENT_API_TOKEN. */
  apiUrl: string;
  apiToken: string;
  log: Logger;
  /** SIGTERM → SIGKILL grace of a stop. @defaultValue 10000 */
  stopGraceMs?: number;
  /** Between health polls. @defaultValue 250 */
  healthPollMs?: number;
  /** The operator's environment, of which only PATH and HOME pass. @defaultValue process.env */
  operatorEnv?: NodeJS.ProcessEnv;
}

interface Runner {
  child: ChildProcess;
  pid: number;
  port: number;
  stopRequested: boolean;
  healthy: AbortController;
  killTimer?: NodeJS.Timeout;
  exited: Promise<void>;
}

/** Ids waiting for a free slot; beyond this, the periodic relist brings them back. */
const MAX_WAITING = 10_000;

export class LocalRunners {
  private readonly runners = new Map<string, Runner>();
  private readonly waiting = new Set<string>();
  /** Ports taken by runners being set up (between the decision and the spawn), so two starts never share one. */
  private readonly reserved = new Map<string, number>();
  private readonly grace: number;
  private readonly pollMs: number;

  constructor(private readonly options: LocalRunnersOptions) {
    this.grace = options.stopGraceMs ?? 10_000;
    this.pollMs = options.healthPollMs ?? 250;
  }

  /** The port of a session's runner, for the proxy; undefined when it has none here. */
  portOf(id: string): number | undefined {
    return this.runners.get(id)?.port;
  }

  /** The process group id (= pid of the shell) of a session's runner. */
  pidOf(id: string): number | undefined {
    return this.runners.get(id)?.pid;
  }

  running(): number {
    return this.runners.size;
  }

  /** Stops the runners a killed predecessor left (call once, before the first reconcile); answers their ids. */
  stopOrphans(): Promise<string[]> {
    return stopOrphanedRunners(this.options.config.workspaceRoot, this.grace, this.options.log);
  }

  /** Brings one session to what the API asks: start, wait, stop or report lost. Idempotent. */
  async reconcile(id: string, signal?: AbortSignal): Promise<void> {
    const session = await this.options.ambient.get('sessions', id, signal);
    const runner = this.runners.get(id);
    const action = decideLocal({
      apiPhase: session?.phase,
      exists: session !== undefined,
      running: runner !== undefined || this.reserved.has(id),
      freeSlots: this.freeSlots(),
    });
    this.waiting.delete(id);
    switch (action.kind) {
      case 'start':
        return this.start(session!, signal);
      case 'wait':
        if (this.waiting.size < MAX_WAITING) this.waiting.add(id);
        // Said once, so users see why it has not started (the echo finds it Pending and writes nothing).
        if (session!.phase !== 'Pending') await this.write(id, { phase: 'Pending' }, signal);
        return;
      case 'stop':
        return this.stop(id);
      case 'lost':
        await this.write(id, {
          phase: 'Failed',
          completion_time: new Date().toISOString(),
          conditions: JSON.stringify([
            { type: 'Running', status: 'False', reason: 'RunnerLost', message: 'no local runner holds it' },
          ]),
        });
        return;
      case 'stopped':
        await this.write(id, { phase: 'Stopped' }, signal);
        return;
      case 'none':
        return;
    }
  }

  /** Stops every runner (SIGTERM, then SIGKILL after the grace) and waits for them to exit. */
  async close(): Promise<void> {
    this.waiting.clear();
    await Promise.all([...this.runners.keys()].map((id) => this.stop(id)));
  }

  private freeSlots(): number {
    const ports = this.options.config.portRange.last - this.options.config.portRange.first + 1;
    return Math.min(this.options.config.maxSessions, ports) - this.runners.size - this.reserved.size;
  }

  private async start(session: ApiSession, signal?: AbortSignal): Promise<void> {
    const { config } = this.options;
    const used = new Set([...this.runners.values()].map((r) => r.port).concat([...this.reserved.values()]));
    const port = freePort(config.portRange, used);
    if (port === undefined) return;
    this.reserved.set(session.id, port);
    const workspace = path.join(config.workspaceRoot, session.id);
    try {
      await mkdir(workspace, { recursive: true });
    } finally {
      this.reserved.delete(session.id);
    }
    // Its own process group (detached), so a stop reaches everything the command started.
    const child = spawn('/bin/sh', ['-c', config.runnerCommand], {
      cwd: workspace,
      detached: true,
      stdio: 'ignore',
      env: runnerEnvironment({
        sessionId: session.id,
        prompt: session.prompt,
        port,
        workspace,
        apiUrl: this.options.apiUrl,
        apiToken: this.options.apiToken,
        operatorEnv: this.options.operatorEnv ?? process.env,
      }),
    });
    if (child.pid === undefined) {
      await this.write(session.id, { phase: 'Failed', completion_time: new Date().toISOString() });
      return;
    }
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code) => {
        void this.onExit(session.id, code).finally(resolve);
      }),
    );
    const runner: Runner = {
      child,
      pid: child.pid,
      port,
      stopRequested: false,
      healthy: new AbortController(),
      exited,
    };
    this.runners.set(session.id, runner);
    await recordRunner(workspace, child.pid);
    this.options.log.info({ session: session.id, pid: child.pid, port }, 'local runner started');
    await this.write(session.id, { phase: 'Creating' }, signal);
    void this.awaitHealthy(session.id, runner);
  }

  /** Polls `GET http://127.0.0.1:<port>/health` until it answers 2xx, then reports Running. */
  private async awaitHealthy(id: string, runner: Runner): Promise<void> {
    const signal = runner.healthy.signal;
    while (!signal.aborted) {
      try {
        const res = await fetch(`http://127.0.0.1:${runner.port}/health`, { signal });
        await res.body?.cancel();
        if (res.ok) {
          await this.write(id, { phase: 'Running', start_time: new Date().toISOString() });
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollMs);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }

  private async stop(id: string): Promise<void> {
    const runner = this.runners.get(id);
    if (!runner) return;
    if (!runner.stopRequested) {
      runner.stopRequested = true;
      signalGroup(runner.pid, 'SIGTERM');
      runner.killTimer = setTimeout(() => signalGroup(runner.pid, 'SIGKILL'), this.grace);
    }
    await runner.exited;
  }

  private async onExit(id: string, code: number | null): Promise<void> {
    const runner = this.runners.get(id);
    if (!runner) return;
    runner.healthy.abort();
    clearTimeout(runner.killTimer);
    // The shell is gone; whatever it left in its group goes with it.
    signalGroup(runner.pid, 'SIGKILL');
    this.runners.delete(id);
    await forgetRunner(path.join(this.options.config.workspaceRoot, id));
    const phase = exitPhase(code, runner.stopRequested);
    this.options.log.info({ session: id, code, phase }, 'local runner exited');
    await this.write(id, { phase, completion_time: new Date().toISOString() }).catch((err: unknown) =>
      this.options.log.warn({ session: id, err: String(err) }, 'local runner: status write failed'),
    );
    // A slot is free: the longest-waiting session gets it.
    const next = this.waiting.values().next();
    if (!next.done)
      await this.reconcile(next.value).catch((err: unknown) =>
        this.options.log.warn({ session: next.value, err: String(err) }, 'local runner: start failed'),
      );
  }

  private async write(id: string, patch: SessionStatusPatch, signal?: AbortSignal): Promise<void> {
    try {
      await this.options.ambient.patchSessionStatus(id, patch, signal);
    } catch (err) {
      if ((err as { code?: string }).code === 'NOT_FOUND') return; // deleted meanwhile
      throw err;
    }
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}
