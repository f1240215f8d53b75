// The only file that talks to the queue (BullMQ via shared's session queue).
import type { QueueCounts, RedisConnection, SessionQueue } from '@ambient-operator/shared';
// A subpath, not the barrel: the watcher loads this file after its first list requests went out (watcher.ts's
// lazyEnqueuer), and esbuild puts any module the entry reaches through the barrel in the chunk loaded at start.
import { createSessionQueue } from '@ambient-operator/shared/session-queue';

export interface EnqueueOutcome {
  added: number;
  coalesced: number;
}

export interface Enqueuer {
  /**
   * Hands watch-event keys to the queue: served before any resync. The keys wait up to `eventWindowMs` (more while
   * the previous batch is still in Redis) and go in one batch, a key given several times in between once; the
   * outcome goes to `onEvents`, a failure to `onEventsFailed`. Resolves at once unless `maxPendingKeys` keys are
   * already waiting, then once they are sent (backpressure on the watches).
   */
  events(keys: readonly string[]): Promise<void>;
  /** Every key again, at resync priority (never downgrades a pending event). */
  resync(keys: Iterable<string>): Promise<EnqueueOutcome>;
  /** True when the queue's Redis data is gone since the last call (FLUSHALL, empty restart, other server). */
  redisDataLost(): Promise<boolean>;
  /** Rejects when Redis does not answer (readiness). */
  ping(): Promise<void>;
  counts(): Promise<QueueCounts>;
  oldestJobAgeSeconds(): Promise<number>;
  /** Sends the keys still waiting, then closes the queue. */
  close(): Promise<void>;
}

/**
 * How long a watch event's key waits for more events of the same key. A reconcile's writes come back as a burst of
 * events for its key within a few hundred milliseconds (the runner Job, then each start-up change of its pod), and
 * every event costs a Redis round trip even when it only finds the key's follow-up already stored; a short window
 * turns most of a burst into one. It only delays the enqueue: the enqueue still follows every event, so the
 * reconcile that serves it starts after it (no lost event).
 */
export const defaultEventWindowMs = 25;
/** Keys waiting at most (distinct keys; a batch above BullMQ's bulk size goes in several). */
export const defaultMaxPendingKeys = 5000;

export interface EnqueuerOptions {
  connection: RedisConnection;
  prefix?: string;
  name?: string;
  /** @defaultValue {@link defaultEventWindowMs} (0: each batch goes as soon as the previous one is done) */
  eventWindowMs?: number;
  /** @defaultValue {@link defaultMaxPendingKeys} */
  maxPendingKeys?: number;
  /** A batch of event keys was enqueued: `submitted` keys given to `events`, of which `coalesced` needed no job. */
  onEvents?: (outcome: EnqueueOutcome & { submitted: number }) => void;
  /** A batch of event keys could not be enqueued (Redis unavailable): a resync must follow. */
  onEventsFailed?: (err: unknown, keys: number) => void;
}

export function createEnqueuer(options: EnqueuerOptions): Enqueuer {
  const queue: SessionQueue = createSessionQueue(options);
  const windowMs = options.eventWindowMs ?? defaultEventWindowMs;
  const maxPending = options.maxPendingKeys ?? defaultMaxPendingKeys;
  let pending = new Set<string>();
  let submitted = 0;
  /** Runs out `windowMs` after the first key of the next batch came in. */
  let timer: NodeJS.Timeout | undefined;
  /** The window is over (or the bound reached): the pending keys go as soon as no batch is in Redis. */
  let due = false;
  /** The batch in Redis now (one at a time: keys given meanwhile join the next batch). */
  let inFlight: Promise<void> | undefined;
  /** Waiters for the pending keys to be sent (backpressure). */
  let drained: (() => void)[] = [];

  async function send(keys: string[], given: number, waiters: (() => void)[]): Promise<void> {
    try {
      const r = await queue.enqueueMany(keys, { priority: 'event' });
      options.onEvents?.({ submitted: given, added: r.added, coalesced: given - r.added });
    } catch (err) {
      options.onEventsFailed?.(err, keys.length);
    } finally {
      for (const w of waiters) w();
    }
  }

  function flushIfDue(): void {
    if (inFlight || !due || pending.size === 0) return;
    const [keys, given, waiters] = [[...pending], submitted, drained];
    pending = new Set();
    submitted = 0;
    drained = [];
    due = false;
    inFlight = send(keys, given, waiters).finally(() => {
      inFlight = undefined;
      flushIfDue();
    });
  }

  function windowOver(): void {
    clearTimeout(timer);
    timer = undefined;
    due = true;
    flushIfDue();
  }

  return {
    events(keys) {
      if (keys.length === 0) return Promise.resolve();
      for (const key of keys) pending.add(key);
      submitted += keys.length;
      if (pending.size >= maxPending) {
        windowOver();
        if (pending.size > 0) return new Promise<void>((resolve) => drained.push(resolve));
      } else if (windowMs <= 0) windowOver();
      else if (timer === undefined && !due) timer = setTimeout(windowOver, windowMs);
      return Promise.resolve();
    },
    async resync(keys) {
      const r = await queue.enqueueMany(keys, { priority: 'resync' });
      return { added: r.added, coalesced: r.coalesced + r.skipped };
    },
    redisDataLost: () => queue.checkDataLoss(),
    ping: () => queue.ping(),
    counts: () => queue.counts(),
    oldestJobAgeSeconds: () => queue.oldestJobAgeSeconds(),
    async close() {
      windowOver();
      while (inFlight) await inFlight;
      await queue.close();
    },
  };
}
