// Counting Redis commands (INFO commandstats: commands run inside Lua scripts included) on a Redis of the bench's
// own, so no other client's commands are counted.
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../scripts/local-stack.js';

/** Calls per command from INFO commandstats, without INFO itself. */
export async function redisCommands(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    if (m[1] !== 'info') calls.set(m[1]!, Number(m[2]));
  return calls;
}

export function commandsSince(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([cmd, n]) => [cmd, n - (before.get(cmd) ?? 0)]));
}

export const totalCommands = (calls: Map<string, number>): number =>
  [...calls.values()].reduce((a, b) => a + b, 0);

/** Counts the commands `run` causes on `redis` (nothing else may use that Redis meanwhile). */
export async function countCommands<T>(
  redis: Redis,
  run: () => Promise<T>,
): Promise<{ result: T; calls: Map<string, number> }> {
  const before = await redisCommands(redis);
  const result = await run();
  return { result, calls: commandsSince(before, await redisCommands(redis)) };
}

/** "get 3.1, evalsha 2.0, …": the `top` commands of `calls`, each divided by `per`. */
export function topCommands(calls: Map<string, number>, per: number, top = 5): string {
  return [...calls]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([cmd, n]) => `${cmd} ${(n / Math.max(1, per)).toFixed(1)}`)
    .join(', ');
}

/** A throw-away redis-server (no persistence) on a free port. */
export async function startPrivateRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  probe.on('error', () => undefined);
  const deadline = Date.now() + 10_000;
  while ((await probe.ping().catch(() => '')) !== 'PONG') {
    if (Date.now() > deadline) throw new Error(`bench: redis-server on port ${port} did not answer`);
    await new Promise((r) => setTimeout(r, 50));
  }
  probe.disconnect();
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
