// The only file that talks to the queue (BullMQ via shared's session queue).
import {
  createSessionQueue,
  type QueueCounts,
  type RedisConnection,
  type SessionQueue,
} from '@ambient-operator/shared';

export interface EnqueueOutcome {
  added: number;
  coalesced: number;
}

export interface Enqueuer {
  /** Keys from watch events: served before any resync. */
  events(keys: readonly string[]): Promise<EnqueueOutcome>;
  /** Every key again, at resync priority (never downgrades a pending event). */
  resync(keys: Iterable<string>): Promise<EnqueueOutcome>;
  /** True when the queue's Redis data is gone since the last call (FLUSHALL, empty restart, other server). */
  redisDataLost(): Promise<boolean>;
  /** Rejects when Redis does not answer (readiness). */
  ping(): Promise<void>;
  counts(): Promise<QueueCounts>;
  oldestJobAgeSeconds(): Promise<number>;
  close(): Promise<void>;
}

export function createEnqueuer(options: {
  connection: RedisConnection;
  prefix?: string;
  name?: string;
}): Enqueuer {
  const queue: SessionQueue = createSessionQueue(options);
  return {
    async events(keys) {
      if (keys.length === 0) return { added: 0, coalesced: 0 };
      const r = await queue.enqueueMany(keys, { priority: 'event' });
      return { added: r.added, coalesced: r.coalesced };
    },
    async resync(keys) {
      const r = await queue.enqueueMany(keys, { priority: 'resync' });
      return { added: r.added, coalesced: r.coalesced + r.skipped };
    },
    redisDataLost: () => queue.checkDataLoss(),
    ping: () => queue.ping(),
    counts: () => queue.counts(),
    oldestJobAgeSeconds: () => queue.oldestJobAgeSeconds(),
    close: () => queue.close(),
  };
}
