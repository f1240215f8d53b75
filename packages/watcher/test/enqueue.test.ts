// The enqueuer's event window: a burst of watch events for one key costs one add (and one Redis round trip for the
// batch), every key given is enqueued, and keys beyond the bound wait (backpressure) instead of piling up.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionQueue } from '@ambient-operator/shared';
import { createEnqueuer, type EnqueueOutcome } from '../src/enqueue.js';
import { deletePrefix, redisUrl, uniquePrefix, waitFor } from './harness.js';

const prefix = uniquePrefix('enqueue');
const redis = new Redis(redisUrl);
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

type Batch = EnqueueOutcome & { submitted: number };

describe('the enqueuer of watch events', () => {
  it('sends a burst of events as one batch: one job per key, the rest coalesced in memory', async () => {
    const name = 'burst';
    const batches: Batch[] = [];
    const enqueuer = createEnqueuer({ connection: redisUrl, prefix, name, onEvents: (b) => batches.push(b) });
    const queue = createSessionQueue({ connection: redisUrl, prefix, name });
    try {
      for (let i = 0; i < 30; i++) await enqueuer.events(['ns/hot', i % 3 === 0 ? 'ns/other' : 'ns/hot']);
      await waitFor('the batch to be sent', () => batches.length > 0);
      expect(batches).toEqual([{ submitted: 60, added: 2, coalesced: 58 }]);
      expect((await queue.counts()).waiting).toBe(2);
      // Keys given after a batch was sent go in the next one.
      await enqueuer.events(['ns/late']);
      await waitFor('the second batch', () => batches.length > 1);
      expect(batches[1]).toEqual({ submitted: 1, added: 1, coalesced: 0 });
    } finally {
      await enqueuer.close();
      await queue.close();
    }
  });

  it('holds the watches back once the bound of pending keys is reached, and close() sends what is pending', async () => {
    const name = 'bound';
    const batches: Batch[] = [];
    const enqueuer = createEnqueuer({
      connection: redisUrl,
      prefix,
      name,
      eventWindowMs: 60_000,
      maxPendingKeys: 5,
      onEvents: (b) => batches.push(b),
    });
    const queue = createSessionQueue({ connection: redisUrl, prefix, name });
    try {
      // Below the bound the keys wait for the (long) window; reaching it sends them at once.
      for (let i = 0; i < 4; i++) await enqueuer.events([`ns/k${i}`]);
      expect(batches).toEqual([]);
      await enqueuer.events(['ns/k4']);
      await waitFor('the full batch to be sent', () => batches.length === 1);
      await enqueuer.events(['ns/k5']);
      await enqueuer.close();
      expect(batches.map((b) => b.added)).toEqual([5, 1]);
      expect((await queue.counts()).waiting).toBe(6);
    } finally {
      await queue.close();
    }
  });

  it('reports a batch that Redis refused, so the watcher resyncs', async () => {
    const failures: number[] = [];
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    const enqueuer = createEnqueuer({
      connection: dead,
      prefix,
      name: 'refused',
      eventWindowMs: 1,
      onEventsFailed: (_err, keys) => failures.push(keys),
    });
    await enqueuer.events(['ns/a', 'ns/b', 'ns/a']);
    await waitFor('the failure to be reported', () => failures.length > 0);
    expect(failures).toEqual([2]);
    await enqueuer.close().catch(() => undefined);
    dead.disconnect();
  });
});
