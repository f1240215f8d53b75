import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionQueue, startQueueWorker, type QueueWorker } from '@ambient-operator/shared';
import { deletePrefix, redisUrl, uniquePrefix } from './queue-fixtures/harness.js';

const prefix = uniquePrefix('queue-wait');
const queue = createSessionQueue({ connection: redisUrl, prefix });
const workers: QueueWorker[] = [];

afterAll(async () => {
  for (const w of workers) await w.close();
  await queue.close();
  const redis = new Redis(redisUrl);
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

/** A worker reporting each start's queue wait; resolves `next()` with the next one for `key`. */
function startWorker() {
  const waits: { key: string; queueWaitMs: number }[] = [];
  const waiters: (() => void)[] = [];
  workers.push(
    startQueueWorker({
      connection: redisUrl,
      prefix,
      process: () => Promise.resolve(),
      onStarted: (started) => {
        waits.push(started);
        for (const w of waiters.splice(0)) w();
      },
    }),
  );
  return {
    async next(key: string): Promise<number> {
      for (;;) {
        const i = waits.findIndex((w) => w.key === key);
        if (i >= 0) return waits.splice(i, 1)[0]!.queueWaitMs;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

describe('queue wait (ambient_queue_wait_duration_seconds)', () => {
  it('counts from the enqueue for an event, and from the due time for a timer', async () => {
    const enqueuedAt = Date.now();
    await queue.enqueue('ns/waiting');
    // Nobody consumes yet: the key waits at least until a worker starts.
    await new Promise((r) => setTimeout(r, 300));
    const worker = startWorker();
    const waited = await worker.next('ns/waiting');
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThanOrEqual(Date.now() - enqueuedAt);

    const delayMs = 5_000;
    await queue.requeueAfter('ns/timer', delayMs);
    // Counted from the enqueue, this wait would be at least the delay.
    expect(await worker.next('ns/timer')).toBeLessThan(delayMs);
  }, 30_000);
});
