// A queue worker process for the cross-process queue tests. Config comes as JSON in argv[2]. Each reconcile logs
// its start and end to the Redis list `<prefix>:fixture:log` (RPUSH order = real order across processes) and
// behaves as the per-key JSON in the hash `<prefix>:fixture:behaviour` says.
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { z } from 'zod';
import {
  ConflictError,
  OperatorError,
  RetryableError,
  startQueueWorker,
  TerminalError,
} from '@ambient-operator/shared';
import { behaviourSchema, fixtureKeys, workerConfigSchema } from './protocol.js';

const config = workerConfigSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
const keys = fixtureKeys(config.prefix);

function plannedFailure(kind: 'retryable' | 'conflict' | 'terminal', run: number): Error {
  const message = `planned ${kind} failure in run ${run}`;
  if (kind === 'conflict') return new ConflictError(message);
  if (kind === 'terminal') return new TerminalError(message);
  return new RetryableError(message);
}

async function log(entry: Record<string, unknown>): Promise<void> {
  await redis.rpush(keys.log, JSON.stringify({ ...entry, pid: process.pid, t: Date.now() }));
}

const worker = startQueueWorker({
  connection: config.redisUrl,
  prefix: config.prefix,
  name: config.name,
  concurrency: config.concurrency,
  lockDurationMs: config.lockDurationMs,
  stalledIntervalMs: config.stalledIntervalMs,
  rateLimit: config.rateLimit,
  backoff: config.backoff,
  onReconciled: ({ key, nextRunInMs }) => {
    if (nextRunInMs !== undefined) void log({ type: 'scheduled', key, delayMs: nextRunInMs });
  },
  async process(key, { signal }) {
    const run = await redis.hincrby(keys.runs, key, 1);
    await log({ type: 'start', key, run });
    const raw = await redis.hget(keys.behaviour, key);
    const b = behaviourSchema.parse(raw === null ? {} : JSON.parse(raw));
    try {
      if (run <= b.hangRuns) await sleep(3_600_000, undefined, { signal });
      if (b.sleepMs > 0) await sleep(b.sleepMs);
      if (run <= b.failRuns) throw plannedFailure(b.failKind, run);
      if (run <= b.requeueRuns) {
        await log({ type: 'end', key, run, result: 'requeue_after' });
        return { requeueAfterMs: b.requeueAfterMs };
      }
    } catch (err) {
      await log({ type: 'end', key, run, result: err instanceof OperatorError ? err.kind : 'aborted' });
      throw err;
    }
    await log({ type: 'end', key, run, result: 'success' });
    return {};
  },
});

await worker.bullWorker.waitUntilReady();
process.stdout.write(JSON.stringify({ ready: true, pid: process.pid }) + '\n');

const stop = z.enum(['SIGTERM', 'SIGINT']);
for (const signal of stop.options) {
  process.once(signal, () => {
    void worker
      .close()
      .then(() => redis.quit())
      .then(() => process.exit(0));
  });
}
