// Queue tests whose workers run in the test's own process (the multi-process ones use harness.ts's fixtures): a key
// prefix, a Redis client and a queue of the file's own, its workers closed and its keys deleted after each test.
import { Redis } from 'ioredis';
import { afterAll, afterEach } from 'vitest';
import { createSessionQueue, type QueueWorker, type SessionQueue } from '@ambient-operator/shared';
import { deletePrefix, redisUrl, uniquePrefix } from './harness.js';

export interface InProcessQueue {
  prefix: string;
  redis: Redis;
  queue: SessionQueue;
  /** The test's workers: closed (forced) after it. */
  workers: QueueWorker[];
}

/** Call at a test file's top level. */
export function inProcessQueue(label: string): InProcessQueue {
  const prefix = uniquePrefix(label);
  const redis = new Redis(redisUrl);
  const fixture: InProcessQueue = {
    prefix,
    redis,
    queue: createSessionQueue({ connection: redisUrl, prefix }),
    workers: [],
  };
  afterEach(async () => {
    for (const w of fixture.workers.splice(0)) await w.close({ force: true });
    await deletePrefix(redis, prefix);
  });
  afterAll(async () => {
    await fixture.queue.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });
  return fixture;
}

/** A promise and the function that settles it. */
export function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}
