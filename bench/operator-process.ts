// The production form of an operator process for the bench: `pnpm build`'s bundle started through the image's
// entrypoint (deploy/image/operator: node with the image's flags, no TypeScript loader), with time to /readyz and RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import path from 'node:path';
import type { OperatorCommand } from '../scripts/build.js';
import { REPO_ROOT } from '../scripts/local-stack.js';

/** How the bench's operator processes run, for the notes of the figures they give. */
export const PRODUCTION_FORM = 'production bundle through deploy/image/operator';

/** Resident set size of a process, in bytes (Linux /proc; 0 where unavailable). */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

export interface OperatorProcess {
  child: ChildProcess;
  pid: number;
  /** From spawn to the first 200 of /readyz, in ms. */
  readyMs: number;
  probesUrl: string;
  metricsUrl: string;
  rss(): Promise<number>;
  /** SIGTERM, and the exit. */
  stop(): Promise<void>;
}

const startedLine = z.object({
  pid: z.number(),
  // The worker reports URLs, the watcher ports.
  probesUrl: z.string().optional(),
  metricsUrl: z.string().optional(),
  healthPort: z.number().optional(),
  metricsPort: z.number().optional(),
});

/** Starts the bundle of `command` with probes on free ports; resolves once /readyz answers 200. */
export async function startOperatorProcess(
  command: Exclude<OperatorCommand, 'session-trigger'>,
  args: string[],
  env: Record<string, string>,
  readyTimeoutMs = 120_000,
): Promise<OperatorProcess> {
  const spawnedAt = performance.now();
  // The script execs node, so the child's pid is the operator's.
  const child = spawn(
    'sh',
    [
      path.join(REPO_ROOT, 'deploy/image/operator'),
      command,
      '--health-probe-bind-address=127.0.0.1:0',
      '--metrics-bind-address=127.0.0.1:0',
      ...args,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, AMBIENT_APP_DIR: REPO_ROOT, LOG_LEVEL: 'warn', ...env },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (l) => {
      if (l.startsWith(`{"${command}":"started"`)) resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`bench: ${command} exited (${code}) before it started`)));
  });
  const started = startedLine.parse(JSON.parse(line));
  const probesUrl = started.probesUrl ?? `http://127.0.0.1:${started.healthPort}`;
  const metricsUrl = started.metricsUrl ?? `http://127.0.0.1:${started.metricsPort}`;
  const deadline = Date.now() + readyTimeoutMs;
  while ((await fetch(`${probesUrl}/readyz`).catch(() => undefined))?.status !== 200) {
    if (Date.now() > deadline) throw new Error(`bench: ${command} not ready in ${readyTimeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - spawnedAt;
  return {
    child,
    pid: started.pid,
    readyMs,
    probesUrl,
    metricsUrl,
    rss: () => rssOf(started.pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One sample of a Prometheus gauge or counter without labels from `/metrics` (undefined when absent). */
export async function metricValue(metricsUrl: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
  return value === undefined ? undefined : Number(value);
}
