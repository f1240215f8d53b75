import { randomUUID } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import {
  bullDedupKeys,
  isUnprioritizedJobId,
  jobDataSchema,
  queueOwnKeys,
  reconcileDedupId,
  reconcileJobName,
  resolveIdentity,
  resyncPriority,
  retention,
  retryBackoffType,
  retryForever,
  runMarker,
  runMarkerKey,
  type JobData,
  type QueueIdentity,
  unprioritizedJobId,
} from './queue-keys.js';
import { closeRedis, openRedis, pingRedis, type RedisConnection } from './redis-connection.js';

export interface SessionQueueOptions extends QueueIdentity {
  /** Redis URL or a caller-owned ioredis client (then the caller closes it). */
  connection: RedisConnection;
}

/** `event`: a watch event, served first. `resync`: start-up/periodic storm, served after every pending event. */
export type EnqueuePriority = 'event' | 'resync';

export interface EnqueueOptions {
  /** @defaultValue 'event' */
  priority?: EnqueuePriority;
}

/** What happened to one enqueue: a new job, or merged into the key's waiting/active job (a dedup hit). */
export type EnqueueResult = 'added' | 'coalesced';

export interface EnqueueManyResult {
  added: number;
  coalesced: number;
  /** Resync adds skipped because the key already has a follow-up run pending (an event must keep its priority). */
  skipped: number;
}

export interface QueueCounts {
  waiting: number;
  prioritized: number;
  active: number;
  delayed: number;
  failed: number;
}

/** What the queue holds for one key (the dashboard's inspector). */
export interface KeyJobs {
  /** The key's job: waiting, running, or delayed (its timer); undefined when none. */
  jobId: string | undefined;
  /** An event arrived while the job was running: exactly one more run follows it. */
  followUp: boolean;
  /** Consecutive failed reconciles (0 after a success). */
  failures: number;
}

/**
 * The producer side of the sessions queue. A key has at most one job, deduplicated by key with BullMQ's
 * `keepLastIfActive`, which gives coalescing while waiting, one follow-up run for events that arrive during a run,
 * and single flight. A timer (requeue-after, retry) is that same job delayed; an event replaces a delayed job with
 * one that runs now (`replace`), so a timer never delays an event.
 */
export interface SessionQueue {
  /** Asks for one reconcile of `key` after now. */
  enqueue(key: string, options?: EnqueueOptions): Promise<EnqueueResult>;
  /** The same for many keys in a few round trips (for resyncs). */
  enqueueMany(keys: Iterable<string>, options?: EnqueueOptions): Promise<EnqueueManyResult>;
  /**
   * Reconcile `key` once `delayMs` from now; replaces the key's pending timer. A key with a run waiting or running
   * keeps it instead (that run decides the next timer). Workers delay the running job itself instead.
   */
  requeueAfter(key: string, delayMs: number): Promise<void>;
  /** Consecutive failed reconciles of `key` (0 after a success). */
  failureCount(key: string): Promise<number>;
  /** The key's job, follow-up and failure count, read together (for inspection). */
  keyJobs(key: string): Promise<KeyJobs>;
  /** Jobs ready to run (waiting + prioritized), like controller-runtime's workqueue depth. */
  depth(): Promise<number>;
  counts(): Promise<QueueCounts>;
  /** Age of the oldest job ready to run, in seconds (0 when none). */
  oldestJobAgeSeconds(): Promise<number>;
  /**
   * True when this queue's Redis data may be gone since the last call: it is (FLUSHALL, a restart without
   * persistence, a different server), or the client reconnected — after a Sentinel or Cluster failover the promoted
   * replica may lack the last writes it had not yet received, with the marker intact. Also true on the first call on
   * an empty Redis. Re-marks it so the next call says false.
   */
  checkDataLoss(): Promise<boolean>;
  /** Resolves when the queue's Redis answers within `timeoutMs` (readiness probes); rejects saying why not. */
  ping(timeoutMs?: number): Promise<void>;
  /** Deletes every job and every key of this queue (tests, benchmarks, decommissioning). */
  obliterate(): Promise<void>;
  /** The BullMQ queue, for Bull Board and metrics export; do not add jobs to it directly. */
  readonly bullQueue: Queue<JobData>;
  close(): Promise<void>;
}

const bulkChunk = 500;

/**
 * A reconcile job that falls due after `delayMs` (a timer added from outside a run, or a retry of a key whose job
 * BullMQ failed). `replace` without `keepLastIfActive`: it swaps a pending timer, and leaves a key that has a run
 * waiting or running (that run decides what comes next) and its follow-up alone.
 */
export function delayedJobOptions(key: string, delayMs: number) {
  return {
    jobId: unprioritizedJobId(),
    delay: Math.max(1, Math.round(delayMs)),
    deduplication: { id: reconcileDedupId(key), replace: true },
    attempts: retryForever,
    backoff: { type: retryBackoffType },
    ...retention,
  };
}

export function createSessionQueue(options: SessionQueueOptions): SessionQueue {
  const { prefix, name } = resolveIdentity(options);
  const redis = openRedis(options.connection, { connectionName: `${prefix}:${name}:producer` });
  const client = redis.client;
  const queue = new Queue<JobData>(name, { connection: client, prefix });
  queue.on('error', () => undefined); // connection errors reject the calls that hit them
  const own = queueOwnKeys(prefix, name);
  const sentinelValue = randomUUID();

  // Replication is asynchronous: writes the old master acknowledged may be missing on the one promoted. Any
  // reconnect (a failover is one) therefore counts as possible data loss; a resync is cheap, a lost key is not.
  let reconnected = false;
  let connectedOnce = client.status === 'ready';
  client.on('ready', () => {
    if (connectedOnce) reconnected = true;
    connectedOnce = true;
  });
  client.on('-node', () => {
    reconnected = true;
  });

  const followUpKey = (key: string) =>
    bullDedupKeys((type) => queue.toKey(type), reconcileDedupId(key)).followUp;
  const runKey = (key: string) => runMarkerKey(prefix, name, key);

  // Every add names its job, so a dedup hit shows as another id coming back (no read before the add).
  // `replace` swaps a delayed job (the key's timer) for one that runs now.
  function jobOptions(key: string, priority: EnqueuePriority) {
    return {
      jobId: priority === 'resync' ? randomUUID() : unprioritizedJobId(),
      deduplication: { id: reconcileDedupId(key), keepLastIfActive: true, replace: true },
      ...(priority === 'resync' ? { priority: resyncPriority } : {}),
      attempts: retryForever,
      backoff: { type: retryBackoffType },
      ...retention,
    };
  }

  // An event merged into a waiting resync job would inherit the resync priority: move those jobs ahead.
  async function promoteIfPrioritized(jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    const probe = client.pipeline();
    for (const id of jobIds) probe.zscore(queue.toKey('prioritized'), id);
    const replies = (await probe.exec()) ?? [];
    await Promise.all(
      jobIds.map(async (id, i) => {
        if (replies[i]?.[1] === null || replies[i]?.[1] === undefined) return;
        const job = await Job.fromId(queue, id);
        await job?.changePriority({ priority: 0 });
      }),
    );
  }

  async function enqueueBatch(keys: string[], priority: EnqueuePriority): Promise<EnqueueManyResult> {
    const result: EnqueueManyResult = { added: 0, coalesced: 0, skipped: 0 };
    for (const key of keys) jobDataSchema.parse({ key });
    // Most events arrive while their key runs (a reconcile's own writes bring them): one command marks the run's
    // marker for a follow-up, which proves a run that starts after now, and spares BullMQ's add script. A resync
    // marks a running key too — the run may have read what the resync is for before it changed (a change no watch
    // reports) — and must not overwrite an event's stored follow-up (it would lose its priority).
    const probe = client.pipeline();
    for (const key of keys) {
      probe.set(runKey(key), runMarker.followUp, 'KEEPTTL', 'XX');
      if (priority === 'resync') probe.exists(followUpKey(key));
    }
    const replies = (await probe.exec()) ?? [];
    const covered =
      priority === 'event'
        ? (i: number) => replies[i]?.[1] === 'OK'
        : (i: number) => replies[2 * i]?.[1] === 'OK' || replies[2 * i + 1]?.[1] === 1;
    const toAdd = keys.filter((_, i) => !covered(i));
    if (priority === 'resync') result.skipped = keys.length - toAdd.length;
    else result.coalesced = keys.length - toAdd.length;
    if (toAdd.length === 0) return result;
    const requested = toAdd.map((key) => ({
      name: reconcileJobName,
      data: { key },
      opts: jobOptions(key, priority),
    }));
    const jobs = await queue.addBulk(requested);
    const mergedInto: string[] = [];
    jobs.forEach((job, i) => {
      if (job.id === requested[i]?.opts.jobId) {
        result.added++;
      } else {
        result.coalesced++;
        if (job.id !== undefined && !isUnprioritizedJobId(job.id)) mergedInto.push(job.id);
      }
    });
    if (priority === 'event') await promoteIfPrioritized(mergedInto);
    return result;
  }

  return {
    bullQueue: queue,

    async enqueue(key, enqueueOptions = {}) {
      const r = await enqueueBatch([key], enqueueOptions.priority ?? 'event');
      return r.added === 1 ? 'added' : 'coalesced';
    },

    async enqueueMany(keys, enqueueOptions = {}) {
      const all = [...keys];
      const total: EnqueueManyResult = { added: 0, coalesced: 0, skipped: 0 };
      for (let i = 0; i < all.length; i += bulkChunk) {
        const r = await enqueueBatch(all.slice(i, i + bulkChunk), enqueueOptions.priority ?? 'event');
        total.added += r.added;
        total.coalesced += r.coalesced;
        total.skipped += r.skipped;
      }
      return total;
    },

    async requeueAfter(key, delayMs) {
      jobDataSchema.parse({ key });
      if (!Number.isFinite(delayMs) || delayMs < 0)
        throw new Error(`requeueAfter(${key}): invalid delay ${delayMs}`);
      await queue.add(reconcileJobName, { key }, delayedJobOptions(key, delayMs));
    },

    async failureCount(key) {
      const v = await client.hget(own.failures, key);
      return v === null ? 0 : Number(v);
    },

    async keyJobs(key) {
      const keys = bullDedupKeys((type) => queue.toKey(type), reconcileDedupId(key));
      const replies = await client
        .pipeline()
        .get(keys.current)
        .exists(keys.followUp)
        .hget(own.failures, key)
        .get(runKey(key))
        .exec();
      const [jobId, followUp, failures, run] = [0, 1, 2, 3].map((i) => replies?.[i]?.[1]);
      return {
        jobId: typeof jobId === 'string' ? jobId : undefined,
        followUp: followUp === 1 || run === runMarker.followUp,
        failures: typeof failures === 'string' ? Number(failures) : 0,
      };
    },

    async depth() {
      const c = await queue.getJobCounts('waiting', 'prioritized');
      return (c.waiting ?? 0) + (c.prioritized ?? 0);
    },

    async counts() {
      const c = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
      return {
        waiting: c.waiting ?? 0,
        prioritized: c.prioritized ?? 0,
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        failed: c.failed ?? 0,
      };
    },

    async oldestJobAgeSeconds() {
      // The wait list is LPUSHed and popped from the right, so its oldest job is at index -1; among prioritized
      // jobs the next to run is the oldest of the best priority, which is what "waiting longest to be served" means.
      const [tail, head] = await Promise.all([
        client.lindex(queue.toKey('wait'), -1),
        client.zrange(queue.toKey('prioritized'), '0', '0'),
      ]);
      const ids = [tail, head[0]].filter(
        (id): id is string => typeof id === 'string' && !id.startsWith('0:'),
      );
      if (ids.length === 0) return 0;
      const stamps = await Promise.all(ids.map((id) => client.hget(queue.toKey(id), 'timestamp')));
      const oldest = Math.min(...stamps.map((s) => (s === null ? Date.now() : Number(s))));
      return Math.max(0, (Date.now() - oldest) / 1000);
    },

    async checkDataLoss() {
      const wasReconnected = reconnected;
      const set = await client.set(own.sentinel, sentinelValue, 'NX');
      if (wasReconnected) reconnected = false;
      return set === 'OK' || wasReconnected;
    },

    ping: (timeoutMs) => pingRedis(client, timeoutMs),

    async obliterate() {
      await queue.obliterate({ force: true });
      await client.del(own.failures, own.sentinel);
    },

    async close() {
      await queue.close();
      await closeRedis(redis);
    },
  };
}
