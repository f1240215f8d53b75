// A run's one abort signal (the queue worker's own controller per run): a lost job lock, the reconcile timeout (one
// timer shared by every run) and a forced close each abort it, and end the run even when its reconcile ignores it.
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createSessionQueue,
  LockLostError,
  ReconcileTimeoutError,
  startQueueWorker,
  type QueueWorker,
  type QueueWorkerOptions,
  type ReconcileReport,
} from '@ambient-operator/shared';
import { deletePrefix, redisUrl, uniquePrefix } from './queue-fixtures/harness.js';

const prefix = uniquePrefix('queue-cancel');
const queue = createSessionQueue({ connection: redisUrl, prefix });
let workers: QueueWorker[] = [];

afterEach(async () => {
  for (const w of workers) await w.close({ force: true });
  workers = [];
});

afterAll(async () => {
  await queue.close();
  const redis = new Redis(redisUrl);
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

function start(options: Omit<QueueWorkerOptions, 'connection' | 'prefix'>): QueueWorker {
  const worker = startQueueWorker({ connection: redisUrl, prefix, rateLimit: null, ...options });
  workers.push(worker);
  return worker;
}

/** A reconcile that never settles and never looks at its signal: only the queue worker can end its run. */
const hang = () => new Promise<never>(() => undefined);

/** Resolves with the first value `accept` returns something for; `feed` is what the caller's callbacks call. */
function first<T, R>(accept: (value: T) => R | undefined): { feed: (value: T) => void; result: Promise<R> } {
  let resolve!: (r: R) => void;
  const result = new Promise<R>((r) => (resolve = r));
  return {
    feed: (value) => {
      const r = accept(value);
      if (r !== undefined) resolve(r);
    },
    result,
  };
}

describe('cancelling a run', () => {
  it('a lost job lock aborts the run with LockLostError, though its reconcile ignores the signal', async () => {
    const key = 'ns/lock-lost';
    // Worker A renews its lock only after it expired (lock 1 s, renewal checks every 2 s), so worker B's stalled
    // check takes the key over meanwhile and A's renewal then fails: a real lock loss, reported by BullMQ.
    let signalOfA: AbortSignal | undefined;
    const startedA = first((signal: AbortSignal) => signal);
    const lost = first((r: ReconcileReport) => (r.error instanceof LockLostError ? r : undefined));
    start({
      concurrency: 1,
      lockDurationMs: 1000,
      lockRenewTimeMs: 4000,
      stalledIntervalMs: 500,
      process: (_key, { signal }) => {
        if (signalOfA) return Promise.resolve(); // a later run of the key here (its retry) does nothing
        signalOfA = signal;
        startedA.feed(signal);
        return hang();
      },
      onReconciled: lost.feed,
    });
    await queue.enqueue(key);
    await startedA.result;
    const ranOnB = first((k: string) => k);
    start({
      lockDurationMs: 1000,
      stalledIntervalMs: 500,
      process: (k) => {
        ranOnB.feed(k);
        return Promise.resolve();
      },
    });
    const report = await lost.result;
    expect(report.key).toBe(key);
    expect(signalOfA?.aborted).toBe(true);
    expect(signalOfA?.reason).toBeInstanceOf(LockLostError);
    expect(await ranOnB.result).toBe(key);
  }, 30_000);

  it('each run times out at its own deadline (one shared timer); a run that ends in time is not aborted', async () => {
    const timeoutMs = 400;
    const runs = new Map<string, { signal: AbortSignal; abortedAt?: number }>();
    // When each key's first run started, from onStarted: called before the run's deadline is set, so a run aborted
    // at its deadline was aborted at least the timeout after this.
    const startedAt = new Map<string, number>();
    const reports = new Map<string, ReconcileReport>();
    const bothTimedOut = first(() =>
      reports.has('ns/hang-1') && reports.has('ns/hang-2') ? true : undefined,
    );
    start({
      concurrency: 3,
      reconcileTimeoutMs: timeoutMs,
      process: (key, { signal }) => {
        if (runs.has(key)) return hang(); // retries after the timeout: ended by the forced close
        const run = { signal, abortedAt: undefined as number | undefined };
        runs.set(key, run);
        signal.addEventListener('abort', () => (run.abortedAt = performance.now()));
        if (key === 'ns/quick') return new Promise((resolve) => setTimeout(resolve, 100));
        return hang();
      },
      onStarted: ({ key }) => {
        if (!startedAt.has(key)) startedAt.set(key, performance.now());
      },
      onReconciled: (r) => {
        if (reports.has(r.key)) return;
        reports.set(r.key, r);
        // The second hanging key starts after the quick one ended: its deadline is later than the first one's.
        if (r.key === 'ns/quick') void queue.enqueue('ns/hang-2');
        bothTimedOut.feed(undefined);
      },
    });
    await queue.enqueueMany(['ns/quick', 'ns/hang-1']);
    await bothTimedOut.result;

    expect(reports.get('ns/quick')?.result).toBe('success');
    expect(runs.get('ns/quick')?.signal.aborted).toBe(false);
    for (const key of ['ns/hang-1', 'ns/hang-2']) {
      const run = runs.get(key)!;
      expect(reports.get(key)?.error).toBeInstanceOf(ReconcileTimeoutError);
      expect(run.signal.reason).toBeInstanceOf(ReconcileTimeoutError);
      const ranMs = run.abortedAt! - startedAt.get(key)!;
      expect(ranMs).toBeGreaterThanOrEqual(timeoutMs);
      expect(ranMs).toBeLessThan(timeoutMs + 3000);
    }
    expect(startedAt.get('ns/hang-2')!).toBeGreaterThan(startedAt.get('ns/hang-1')!);
    expect(runs.get('ns/hang-2')!.abortedAt!).toBeGreaterThan(runs.get('ns/hang-1')!.abortedAt!);
  }, 30_000);

  it('a forced close aborts the runs in flight', async () => {
    const started = first((signal: AbortSignal) => signal);
    const worker = start({ process: (_key, { signal }) => (started.feed(signal), hang()) });
    await queue.enqueue('ns/closing');
    const signal = await started.result;
    expect(signal.aborted).toBe(false);
    await worker.close({ force: true });
    // Aborted before close() returns; the run's own end (its bookkeeping) is not waited for by a forced close.
    expect(signal.aborted).toBe(true);
  }, 30_000);
});
