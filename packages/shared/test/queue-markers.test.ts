// The run markers (queue-keys.ts) are an optimisation: an event during a run flags the key's marker with one command
// instead of BullMQ's add. A run that ends within the event loop's turn it started in sets none, and does not read
// one at its end; these tests hold the queue to what that must not cost: a marker left behind swallows the key's
// next events (they flag it, and no run reads it).
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startQueueWorker, type QueueWorkerOptions, type ReconcileOutcome } from '@ambient-operator/shared';
import { runMarker, runMarkerKey } from '../src/queue/queue-keys.js';
import { queueIdle, redisUrl, waitFor } from './queue-fixtures/harness.js';
import { gate, inProcessQueue } from './queue-fixtures/in-process.js';

const { prefix, redis, queue, workers } = inProcessQueue('queue-markers');

/** A worker of the test's queue, with no rate limit, on `redisUrl` unless given a client. */
function startWorker(
  options: Omit<QueueWorkerOptions, 'prefix' | 'connection'> & Partial<QueueWorkerOptions>,
): void {
  workers.push(startQueueWorker({ connection: redisUrl, prefix, rateLimit: null, ...options }));
}

describe('run markers', () => {
  it('a follow-up run that ends at once leaves no marker: the next event is served', async () => {
    const key = 'ns/follow-up';
    const marker = runMarkerKey(prefix, 'sessions', key);
    const first = { started: gate(), finish: gate() };
    const third = gate();
    let runs = 0;
    startWorker({
      process: async (): Promise<ReconcileOutcome | undefined> => {
        runs += 1;
        if (runs === 1) {
          first.started.open();
          await first.finish.opened;
          // A timer: an event during the run turns it into a follow-up of the same job, marked while it waits.
          return { requeueAfterMs: 60_000 };
        }
        if (runs === 3) third.open();
        // The follow-up (run 2) has nothing to do and ends within its first turn.
        return undefined;
      },
    });
    await queue.enqueue(key);
    await first.started.opened;
    await waitFor('run 1 to mark its key', async () => (await redis.get(marker)) === runMarker.running);
    expect(await queue.enqueue(key)).toBe('coalesced');
    first.finish.open();
    await waitFor(
      'run 2 to end and the queue to be idle',
      async () => runs >= 2 && (await queueIdle(redis, prefix)),
    );
    expect(await redis.exists(marker)).toBe(0);
    // An event after the follow-up: no run is in flight, so it must add a job that runs.
    expect(await queue.enqueue(key)).toBe('added');
    await third.opened;
  }, 20_000);

  it('a run that ends within its first turn writes no marker; one that lasts is marked', async () => {
    const quick = 'ns/quick';
    const lasting = 'ns/lasting';
    const lastingMarker = runMarkerKey(prefix, 'sessions', lasting);
    const release = gate();
    const lastingStarted = gate();
    // The worker's own client, its commands seen on their way to Redis: after the fact, a marker never set and one
    // set and then removed look the same.
    const client = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const markersSet: string[] = [];
    const send = client.sendCommand.bind(client);
    client.sendCommand = (command, stream) => {
      const [target] = command.args;
      if (command.name === 'set' && String(target).startsWith(`${prefix}:`)) markersSet.push(String(target));
      return send(command, stream);
    };
    startWorker({
      connection: client,
      process: async (key) => {
        if (key !== lasting) return undefined;
        lastingStarted.open();
        await release.opened;
        return undefined;
      },
    });
    try {
      await queue.enqueue(quick);
      await waitFor('the quick run to end', () => queueIdle(redis, prefix));
      await queue.enqueue(lasting);
      await lastingStarted.opened;
      await waitFor(
        'the lasting run to be marked',
        async () => (await redis.get(lastingMarker)) === runMarker.running,
      );
      release.open();
      await waitFor('the lasting run to end', () => queueIdle(redis, prefix));
      expect(markersSet).toEqual([lastingMarker]);
      expect(await redis.exists(lastingMarker)).toBe(0);
    } finally {
      await workers.pop()?.close();
      client.disconnect();
    }
  }, 20_000);

  it("a run done within its first turn resets its key's failure count", async () => {
    const key = 'ns/recovers';
    let runs = 0;
    startWorker({
      backoff: { baseMs: 120_000, factor: 2, capMs: 120_000, jitter: 0 },
      process: async () => {
        runs += 1;
        if (runs === 1) throw new Error('the API server is away');
        // Run 2 succeeds at once: no marker, nothing read at its end.
        return undefined;
      },
    });
    await queue.enqueue(key);
    await waitFor(
      'the failure to be counted and its retry to wait',
      async () => (await queue.failureCount(key)) === 1 && (await queue.counts()).delayed === 1,
    );
    // An event replaces the retry with a job that runs now, on its first start.
    await queue.enqueue(key);
    await waitFor(
      'run 2 to succeed and the count to be reset',
      async () => runs === 2 && (await queueIdle(redis, prefix)) && (await queue.failureCount(key)) === 0,
    );
  }, 20_000);
});
