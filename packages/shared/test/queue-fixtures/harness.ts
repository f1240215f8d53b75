// Test plumbing for the queue tests: child worker processes, the run log, bounded waits, Redis cleanup.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { deletePrefix, scanKeys } from '../support/redis-keys.js';
import { fixtureKeys, logEntrySchema, type Behaviour, type LogEntry, type WorkerConfig } from './protocol.js';

export { deletePrefix, scanKeys };

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const here = path.dirname(fileURLToPath(import.meta.url));

export function uniquePrefix(label: string): string {
  return `test-${label}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export interface ChildWorker {
  pid: number;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

const children = new Set<ChildProcess>();

/** Starts a worker fixture process and resolves once its BullMQ worker is connected. */
export async function spawnWorker(config: WorkerConfig): Promise<ChildWorker> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'worker.ts'), JSON.stringify(config)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('"ready":true')) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`worker fixture exited with ${code} before ready: ${out}`)),
    );
  });
  return { pid: child.pid ?? -1, exited, kill: (signal) => child.kill(signal) };
}

/** SIGKILLs every fixture process still running (afterAll safety net). */
export async function killAllWorkers(): Promise<void> {
  const waits = [...children].map(
    (c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))),
  );
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(waits);
}

/** SIGTERM (graceful: in-flight runs finish); SIGKILL whatever is still running after `graceMs`. */
export async function stopWorkers(workers: ChildWorker[], graceMs = 3000): Promise<void> {
  for (const w of workers) w.kill('SIGTERM');
  const timer = setTimeout(() => workers.forEach((w) => w.kill('SIGKILL')), graceMs);
  await Promise.all(workers.map((w) => w.exited));
  clearTimeout(timer);
}

export async function setBehaviour(
  redis: Redis,
  prefix: string,
  key: string,
  behaviour: Behaviour,
): Promise<void> {
  await redis.hset(fixtureKeys(prefix).behaviour, key, JSON.stringify(behaviour));
}

export async function logEvent(redis: Redis, prefix: string, key: string): Promise<void> {
  await redis.rpush(fixtureKeys(prefix).log, JSON.stringify({ type: 'event', key, t: Date.now() }));
}

export async function readLog(redis: Redis, prefix: string): Promise<LogEntry[]> {
  const raw = await redis.lrange(fixtureKeys(prefix).log, 0, -1);
  return raw.map((line) => logEntrySchema.parse(JSON.parse(line)));
}

export function starts(log: LogEntry[], key?: string): LogEntry[] {
  return log.filter((e) => e.type === 'start' && (key === undefined || e.key === key));
}

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false | null>,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * For each key, the runs in log order must alternate start → end: a second start before the first run's end means
 * two reconciles of one key overlapped (RPUSH order is the real order across processes).
 */
export function overlappingRuns(log: LogEntry[], killedPids: ReadonlySet<number> = new Set()): string[] {
  const runningIn = new Map<string, number | undefined>();
  const overlaps: string[] = [];
  for (const e of log) {
    if (e.type === 'start') {
      const pid = runningIn.get(e.key);
      // A run in a SIGKILLed process never logs its end; it is over once another process takes the key.
      if (runningIn.has(e.key) && !(pid !== undefined && killedPids.has(pid))) {
        overlaps.push(`${e.key} run ${e.run ?? '?'} started while another run was active`);
      }
      runningIn.set(e.key, e.pid);
    } else if (e.type === 'end') runningIn.delete(e.key);
  }
  return overlaps;
}

/** Events (log markers) after which no reconcile of their key started. */
export function lostEvents(log: LogEntry[]): LogEntry[] {
  return log.filter(
    (e, i) =>
      e.type === 'event' && !log.slice(i + 1).some((later) => later.type === 'start' && later.key === e.key),
  );
}

/** Nothing left to run for any key: no job waiting, active or (unless `ignoreTimers`) delayed, no stored follow-up. */
export async function queueIdle(
  redis: Redis,
  prefix: string,
  options: { name?: string; ignoreTimers?: boolean } = {},
): Promise<boolean> {
  const q = `${prefix}:${options.name ?? 'sessions'}`;
  const [wait, prioritized, active, delayed] = await Promise.all([
    redis.llen(`${q}:wait`),
    redis.zcard(`${q}:prioritized`),
    redis.llen(`${q}:active`),
    redis.zcard(`${q}:delayed`),
  ]);
  if (wait + prioritized + active > 0) return false;
  if (!options.ignoreTimers && delayed > 0) return false;
  return (await scanKeys(redis, `${q}:dn:*`)).length === 0;
}
