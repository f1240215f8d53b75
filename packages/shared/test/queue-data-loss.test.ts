// The queue's Redis data is lost while runs are in flight (FLUSHALL, a restart without persistence): a key may then
// run twice at once (its old job's run, and a new job an event added), and the two runs share the key's run marker.
// No event may be swallowed by that: the key always runs again after its last event.
import { describe, expect, it } from 'vitest';
import { startQueueWorker, type QueueWorker } from '@ambient-operator/shared';
import { runMarker, runMarkerKey } from '../src/queue/queue-keys.js';
import { deletePrefix, redisUrl, waitFor } from './queue-fixtures/harness.js';
import { gate, inProcessQueue } from './queue-fixtures/in-process.js';

const { prefix, redis, queue, workers } = inProcessQueue('queue-data-loss');

describe("the queue's data lost while a key runs", () => {
  it('an event during the second of two concurrent runs is served, though the first run ends with it', async () => {
    const key = 'ns/flushed';
    const runs: { started: ReturnType<typeof gate>; finish: ReturnType<typeof gate> }[] = [];
    for (let i = 0; i < 3; i++) runs.push({ started: gate(), finish: gate() });
    let n = 0;
    workers.push(
      startQueueWorker({
        connection: redisUrl,
        prefix,
        rateLimit: null,
        concurrency: 4,
        process: async () => {
          const run = runs[n++];
          if (run === undefined) return;
          run.started.open();
          await run.finish.opened;
        },
      }),
    );
    const marker = runMarkerKey(prefix, 'sessions', key);
    /** The run that started last has its mark in (a run does not wait for its mark). */
    const marked = () =>
      waitFor('the run to mark its key', async () => (await redis.get(marker)) === runMarker.running);
    await queue.enqueue(key);
    await runs[0]!.started.opened;
    await marked();
    // The data goes while run 1 is in flight: its job, its lock and its marker.
    await deletePrefix(redis, prefix);
    // An event then finds no job of the key and adds one: run 2 starts beside run 1.
    await queue.enqueue(key);
    await runs[1]!.started.opened;
    // An event during run 2, once run 2's mark is in, flags that marker for a follow-up: one command, no job.
    await marked();
    expect(await queue.enqueue(key)).toBe('coalesced');
    expect(await redis.get(marker)).toBe(runMarker.followUp);
    // Run 1 ends first and takes that mark as its own follow-up, but its job is gone; then run 2 ends.
    runs[0]!.finish.open();
    await waitUntilRunning(workers[0]!, 1);
    runs[1]!.finish.open();
    // The event came after run 2 had started: a third run must serve it.
    await runs[2]!.started.opened;
    runs[2]!.finish.open();
  }, 30_000);
});

/** Resolves once `worker` runs exactly `count` reconciles (polled: the worker has no event for a run's end). */
async function waitUntilRunning(worker: QueueWorker, count: number): Promise<void> {
  while (worker.running() !== count) await new Promise((resolve) => setTimeout(resolve, 10));
}
