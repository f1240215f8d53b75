// Workqueue guarantees 1–5 of architecture §2, checked across real worker processes on a real Redis.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSessionQueue, startQueueWorker, type SessionQueue } from '@ambient-operator/shared';
import {
  deletePrefix,
  killAllWorkers,
  logEvent,
  lostEvents,
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

const prefix = uniquePrefix('queue-semantics');
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

async function startWorkers(n: number, concurrency = 4): Promise<void> {
  workers.push(
    ...(await Promise.all(Array.from({ length: n }, () => spawnWorker({ redisUrl, prefix, concurrency })))),
  );
}

async function event(key: string): Promise<void> {
  await logEvent(redis, prefix, key);
  await queue.enqueue(key);
}

const idle = () => waitFor('the queue to drain', () => queueIdle(redis, prefix), 30_000);

describe('session queue across processes', () => {
  it('1+3. no lost event and single flight cluster-wide: 3 worker processes, 40 keys, 600 events', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `ns-${i % 4}/s-${i}`);
    for (const [i, key] of keys.entries()) await setBehaviour(redis, prefix, key, { sleepMs: (i % 5) * 8 });
    await startWorkers(3);
    for (let burst = 0; burst < 30; burst++) {
      await Promise.all(
        Array.from({ length: 20 }, () => event(keys[Math.floor(Math.random() * keys.length)] ?? 'ns-0/s-0')),
      );
      await new Promise((r) => setTimeout(r, 15));
    }
    await idle();
    const log = await readLog(redis, prefix);
    expect(lostEvents(log)).toEqual([]);
    expect(overlappingRuns(log)).toEqual([]);
    // Several processes really took part.
    expect(new Set(starts(log).map((e) => e.pid)).size).toBeGreaterThan(1);
  }, 60_000);

  it('2. coalescing: 25 events for a waiting key give one reconcile', async () => {
    const results = [];
    for (let i = 0; i < 25; i++) results.push(await queue.enqueue('ns/coalesced'));
    // Resync adds merge into the same waiting job too.
    const resync = await queue.enqueueMany(['ns/coalesced'], { priority: 'resync' });
    expect(results[0]).toBe('added');
    expect(results.slice(1).every((r) => r === 'coalesced')).toBe(true);
    expect(resync.coalesced).toBe(1);
    expect(await queue.depth()).toBe(1);
    await startWorkers(2);
    await idle();
    expect(starts(await readLog(redis, prefix), 'ns/coalesced')).toHaveLength(1);
  }, 30_000);

  it('4. events during a reconcile give exactly one more reconcile, after it ends', async () => {
    const key = 'ns/busy';
    await setBehaviour(redis, prefix, key, { sleepMs: 800 });
    await startWorkers(2);
    await event(key);
    await waitFor('run 1 to start', async () => starts(await readLog(redis, prefix), key).length === 1);
    for (let i = 0; i < 5; i++) await event(key);
    await idle();
    const log = await readLog(redis, prefix);
    const runs = starts(log, key);
    expect(runs).toHaveLength(2);
    const endOfFirst = log.findIndex((e) => e.type === 'end' && e.key === key && e.run === 1);
    expect(log.indexOf(runs[1]!)).toBeGreaterThan(endOfFirst);
    expect(lostEvents(log)).toEqual([]);
  }, 30_000);

  it('5a. timers are durable: a requeue-after survives a restart of every process', async () => {
    const key = 'ns/timer';
    await setBehaviour(redis, prefix, key, { requeueRuns: 1, requeueAfterMs: 1500 });
    await startWorkers(1);
    await event(key);
    await waitFor('the timer to be scheduled', async () => (await queue.counts()).delayed === 1);
    // Every process goes away: the worker is SIGKILLed, the producer closed.
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    workers = [];
    await queue.close();
    queue = createSessionQueue({ connection: redisUrl, prefix });
    await startWorkers(1);
    await waitFor(
      'the timer to reconcile the key',
      async () => starts(await readLog(redis, prefix), key).length === 2,
    );
    await idle();
    const log = await readLog(redis, prefix);
    const end1 = log.find((e) => e.type === 'end' && e.key === key && e.run === 1)!;
    const start2 = starts(log, key)[1]!;
    // The timer did not fire early (its due time is after run 1 logged its end).
    expect(start2.t - end1.t).toBeGreaterThanOrEqual(1500);
    expect(starts(log, key)).toHaveLength(2);
  }, 30_000);

  it('5b. an event is not delayed by a pending timer and supersedes it', async () => {
    const key = 'ns/superseded';
    await setBehaviour(redis, prefix, key, { requeueRuns: 1, requeueAfterMs: 120_000 });
    await startWorkers(1);
    await event(key);
    await waitFor('the 2-minute timer to be scheduled', async () => (await queue.counts()).delayed === 1);
    await event(key);
    // Run 2 happens now (the timer is 2 minutes away), returns no requeue, and so the pending timer is dropped;
    // the queue can only become fully idle (no delayed job) if it was.
    await idle();
    expect(starts(await readLog(redis, prefix), key)).toHaveLength(2);
  }, 30_000);

  it('4b. a resync during a run gets a follow-up, after it ends', async () => {
    // The run may have read what the resync is for before it changed (a change no watch reports): a resync must
    // flag a running key for one more run, as an event does, not skip it.
    const key = 'ns/resynced';
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstStarted!: () => void;
    const started = new Promise<void>((resolve) => (firstStarted = resolve));
    const runs: { startedAt: number; endedAt?: number }[] = [];
    const worker = startQueueWorker({
      connection: redisUrl,
      prefix,
      rateLimit: null,
      async process() {
        const run = { startedAt: performance.now() } as (typeof runs)[number];
        runs.push(run);
        if (runs.length === 1) {
          firstStarted();
          await gate;
        }
        run.endedAt = performance.now();
        return {};
      },
    });
    try {
      await queue.enqueue(key);
      await started;
      await queue.enqueueMany([key], { priority: 'resync' });
      const resyncedAt = performance.now();
      release();
      // Idle with nothing running: a skipped resync leaves it so after one run.
      await waitFor(
        'the queue to drain',
        async () => worker.running() === 0 && queueIdle(redis, prefix),
        30_000,
      );
      expect(runs).toHaveLength(2);
      expect(runs[1]!.startedAt).toBeGreaterThan(resyncedAt);
      expect(runs[1]!.startedAt).toBeGreaterThanOrEqual(runs[0]!.endedAt!);
    } finally {
      await worker.close();
    }
  }, 30_000);
});
