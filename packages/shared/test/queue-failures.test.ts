// Workqueue guarantees 6–7 of architecture §2 (backoff, rate limit, priorities, crashed workers), across processes.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { computeBackoffMs, createSessionQueue, type SessionQueue } from '@ambient-operator/shared';
import {
  deletePrefix,
  killAllWorkers,
  overlappingRuns,
  queueIdle,
  readLog,
  redisUrl,
  setBehaviour,
  spawnWorker,
  starts,
  stopWorkers,
  uniquePrefix,
  waitFor,
  type ChildWorker,
} from './queue-fixtures/harness.js';
import type { WorkerConfig } from './queue-fixtures/protocol.js';

const prefix = uniquePrefix('queue-failures');
let redis: Redis;
let queue: SessionQueue;
let workers: ChildWorker[] = [];

beforeAll(() => {
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  queue = createSessionQueue({ connection: redisUrl, prefix });
});

afterEach(async () => {
  await stopWorkers(workers);
  workers = [];
  await deletePrefix(redis, prefix);
});

afterAll(async () => {
  await killAllWorkers();
  await queue.close();
  await deletePrefix(redis, prefix);
  await redis.quit();
});

async function startWorkers(n: number, config: Partial<WorkerConfig> = {}): Promise<ChildWorker[]> {
  const started = await Promise.all(
    Array.from({ length: n }, () => spawnWorker({ redisUrl, prefix, ...config })),
  );
  workers.push(...started);
  return started;
}

const idle = (timeoutMs = 30_000) => waitFor('the queue to drain', () => queueIdle(redis, prefix), timeoutMs);

/** Delays of the timers (retries, requeue-afters) the workers scheduled for `key`, oldest first. */
async function timerDelays(key: string): Promise<number[]> {
  return (await readLog(redis, prefix))
    .filter((e) => e.type === 'scheduled' && e.key === key)
    .map((e) => e.delayMs ?? Number.NaN);
}

describe('computeBackoffMs', () => {
  it('doubles from the base, stops at the cap, and jitter only shortens within [d·(1−jitter), d]', () => {
    const opts = { baseMs: 1000, factor: 2, capMs: 300_000, jitter: 0.1 };
    expect([1, 2, 3, 4].map((n) => computeBackoffMs(n, opts, () => 0))).toEqual([1000, 2000, 4000, 8000]);
    expect(computeBackoffMs(9, opts, () => 0)).toBe(256_000);
    expect(computeBackoffMs(10, opts, () => 0)).toBe(300_000);
    expect(computeBackoffMs(10_000, opts, () => 0)).toBe(300_000);
    expect(computeBackoffMs(1, opts, () => 1)).toBe(900);
    expect(computeBackoffMs(10_000, opts, () => 0.999)).toBeGreaterThanOrEqual(270_000);
  });

  it('defaults to 1 s × 2 capped at 5 min', () => {
    expect(computeBackoffMs(1, {}, () => 0)).toBe(1000);
    expect(computeBackoffMs(50, {}, () => 0)).toBe(300_000);
  });
});

describe('failures, limits and crashes across processes', () => {
  it('6a. per-key exponential backoff with cap, failure count visible, reset on success', async () => {
    const key = 'ns/flaky';
    await setBehaviour(redis, prefix, key, { failRuns: 5 });
    await startWorkers(2, { backoff: { baseMs: 200, factor: 2, capMs: 1000, jitter: 0 } });
    await queue.enqueue(key);
    await waitFor('3 consecutive failures to be visible', async () => (await queue.failureCount(key)) === 3);
    await waitFor('run 6 to succeed', async () =>
      (await readLog(redis, prefix)).some((e) => e.type === 'end' && e.run === 6 && e.result === 'success'),
    );
    await idle();
    expect(await queue.failureCount(key)).toBe(0);
    expect(await timerDelays(key)).toEqual([200, 400, 800, 1000, 1000]);
    const log = await readLog(redis, prefix);
    const ends = log.filter((e) => e.type === 'end');
    const runs = starts(log, key);
    // No retry ran before its backoff was over.
    for (const [i, delay] of [200, 400, 800, 1000, 1000].entries()) {
      expect(runs[i + 1]!.t - ends[i]!.t).toBeGreaterThanOrEqual(delay);
    }
    // The next failure starts again from the base delay.
    await setBehaviour(redis, prefix, key, { failRuns: 7 });
    await queue.enqueue(key);
    await idle();
    expect((await timerDelays(key)).at(-1)).toBe(200);
    expect(starts(await readLog(redis, prefix), key)).toHaveLength(8);
  }, 40_000);

  it('6b. an event during backoff runs at once instead of waiting for the retry', async () => {
    const key = 'ns/backing-off';
    await setBehaviour(redis, prefix, key, { failRuns: 1 });
    await startWorkers(1, { backoff: { baseMs: 120_000, factor: 2, capMs: 120_000, jitter: 0 } });
    await queue.enqueue(key);
    await waitFor('the 2-minute retry to be scheduled', async () => (await queue.counts()).delayed === 1);
    await queue.enqueue(key);
    // Run 2 succeeds, which also drops the pending retry: only then can the queue be idle with nothing delayed.
    await idle();
    expect(starts(await readLog(redis, prefix), key)).toHaveLength(2);
    expect(await queue.failureCount(key)).toBe(0);
  }, 30_000);

  it('6c. conflict re-runs at once from a fresh read; terminal is not retried', async () => {
    await setBehaviour(redis, prefix, 'ns/conflict', { failRuns: 2, failKind: 'conflict' });
    await setBehaviour(redis, prefix, 'ns/terminal', { failRuns: 1, failKind: 'terminal' });
    await startWorkers(1);
    await queue.enqueueMany(['ns/conflict', 'ns/terminal']);
    await idle();
    const log = await readLog(redis, prefix);
    const conflictRuns = starts(log, 'ns/conflict');
    expect(conflictRuns).toHaveLength(3);
    expect(await timerDelays('ns/conflict')).toEqual([]); // no backoff timer: re-run in place
    expect(starts(log, 'ns/terminal')).toHaveLength(1);
    expect(await timerDelays('ns/terminal')).toEqual([]);
    const failed = await queue.bullQueue.getJobs(['failed']);
    expect(failed.map((j) => j.data.key)).toEqual(['ns/terminal']);
  }, 30_000);

  it('6d. a global rate limit holds across 3 worker processes', async () => {
    const rateLimit = { max: 4, durationMs: 500 };
    await startWorkers(3, { rateLimit, concurrency: 8 });
    const keys = Array.from({ length: 24 }, (_, i) => `ns/limited-${i}`);
    await queue.enqueueMany(keys);
    await idle();
    const runs = starts(await readLog(redis, prefix));
    expect(runs).toHaveLength(24);
    expect(new Set(runs.map((r) => r.pid)).size).toBeGreaterThan(1);
    // Run 4k+1 can only start once k windows have passed (the limiter's window opens at the first start in it).
    // The times are logged by the runs, a moment after BullMQ let them start: a first run logged late on a loaded
    // machine shortens the first gap by that much, so 150 ms are allowed (unlimited, all 24 would start in the first window).
    const first = runs[0]!.t;
    for (let k = 1; k < 6; k++) {
      expect(runs[4 * k]!.t - first).toBeGreaterThanOrEqual(k * rateLimit.durationMs - 150);
    }
  }, 30_000);

  it('6e. events go ahead of a resync storm (also when the key is already queued by the resync)', async () => {
    const storm = Array.from({ length: 300 }, (_, i) => `ns/storm-${i}`);
    expect((await queue.enqueueMany(storm, { priority: 'resync' })).added).toBe(300);
    await queue.enqueue('ns/storm-250');
    await queue.enqueue('ns/new-event');
    await queue.enqueue('ns/storm-7');
    await startWorkers(1, { concurrency: 1 });
    await idle();
    const runs = starts(await readLog(redis, prefix));
    expect(runs).toHaveLength(301);
    expect(runs.slice(0, 3).map((r) => r.key)).toEqual(['ns/storm-250', 'ns/new-event', 'ns/storm-7']);
  }, 30_000);

  it('7a. a worker SIGKILLed mid-reconcile: another worker reconciles the key again', async () => {
    const key = 'ns/crash';
    await setBehaviour(redis, prefix, key, { hangRuns: 1 });
    await startWorkers(3, { lockDurationMs: 5000, stalledIntervalMs: 2000 });
    await queue.enqueue(key);
    const [run1] = await waitFor('run 1 to start', async () => {
      const s = starts(await readLog(redis, prefix), key);
      return s.length > 0 ? s : undefined;
    });
    const victim = workers.find((w) => w.pid === run1!.pid)!;
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    await victim.exited;
    const [, run2] = await waitFor(
      'another worker to take the key',
      async () => {
        const s = starts(await readLog(redis, prefix), key);
        return s.length >= 2 ? s : undefined;
      },
      30_000,
    );
    console.log(
      `queue: key reconciled again ${run2!.t - killedAt} ms after SIGKILL of its worker (lock 5 s, stall check 2 s)`,
    );
    expect(run2!.pid).not.toBe(victim.pid);
    await idle();
    expect(overlappingRuns(await readLog(redis, prefix), new Set([victim.pid]))).toEqual([]);
  }, 45_000);

  it('7b. a key whose job stalled too often is failed by BullMQ and then healed (re-enqueued with backoff)', async () => {
    const key = 'ns/poison';
    await setBehaviour(redis, prefix, key, { hangRuns: 2 });
    await startWorkers(3, { lockDurationMs: 2000, stalledIntervalMs: 1000 });
    await queue.enqueue(key);
    const killed = new Set<number>();
    for (const run of [1, 2]) {
      const s = await waitFor(
        `run ${run} to start`,
        async () => {
          const r = starts(await readLog(redis, prefix), key);
          return r.length >= run ? r : undefined;
        },
        30_000,
      );
      const victim = workers.find((w) => w.pid === s[run - 1]!.pid)!;
      victim.kill('SIGKILL');
      await victim.exited;
      killed.add(victim.pid);
    }
    await waitFor(
      'run 3 to succeed',
      async () =>
        (await readLog(redis, prefix)).some(
          (e) => e.key === key && e.type === 'end' && e.run === 3 && e.result === 'success',
        ),
      30_000,
    );
    const failed = await queue.bullQueue.getJobs(['failed']);
    expect(failed.map((j) => j.failedReason)).toEqual(['job stalled more than allowable limit']);
    await idle();
    expect(await queue.failureCount(key)).toBe(0);
    expect(overlappingRuns(await readLog(redis, prefix), killed)).toEqual([]);
  }, 60_000);
});
