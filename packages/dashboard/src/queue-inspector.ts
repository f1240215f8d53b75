import {
  bullDedupKeys,
  reconcileDedupId,
  reconcileJobName,
  resyncPriority,
  timerDedupId,
  type RedisClient,
  type SessionQueue,
} from '@ambient-operator/shared';
import { Job } from 'bullmq';
import { z } from 'zod';

/** A job of the sessions queue as the session page shows it. */
export interface QueueJobView {
  id: string;
  /** 'reconcile' or 'timer'. */
  name: string;
  /** BullMQ state: waiting, prioritized, active, delayed, completed, failed, ... */
  state: string;
  /** `resync` when added by the watcher's periodic/startup resync, else `event` (a watch event or a due timer). */
  trigger: 'event' | 'resync';
  /** Epoch milliseconds. */
  enqueuedAt: number | undefined;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  /** For delayed jobs: when they become due (epoch ms). */
  dueAt: number | undefined;
  attempts: number;
  failedReason: string | undefined;
}

/** What the queue knows about one session key. */
export interface KeyQueueState {
  key: string;
  /** Consecutive failed reconciles (the worker's per-key backoff counter); 0 after a success. */
  failures: number;
  /** The key's reconcile job that is waiting or running now. */
  current: QueueJobView | undefined;
  /** An event arrived while `current` was running: exactly one more reconcile follows it. */
  followUpQueued: boolean;
  /** The key's pending timer (requeue-after or retry backoff), a delayed job. */
  timer: QueueJobView | undefined;
  /** The newest finished reconcile job of the key, if one is still kept. */
  lastFinished: QueueJobView | undefined;
  /** Finished jobs looked at to find `lastFinished` (bounded by `finishedJobScanLimit`). */
  finishedJobsScanned: number;
}

export interface QueueInspectorOptions {
  queue: SessionQueue;
  /** The Redis client the queue uses (read-only commands are issued on it). */
  redis: RedisClient;
  /**
   * Newest finished jobs (per completed/failed set) searched for a key's last reconcile. BullMQ keeps finished
   * jobs by time, not by key, so this bounds the work of one page view.
   * @defaultValue 2000
   */
  finishedJobScanLimit?: number;
}

export interface QueueInspector {
  inspect(key: string): Promise<KeyQueueState>;
}

const jobDataSchema = z.object({ key: z.string() });
const SCAN_CHUNK = 200;
const JOB_FIELDS = [
  'name',
  'data',
  'timestamp',
  'processedOn',
  'finishedOn',
  'failedReason',
  'attemptsMade',
  'priority',
] as const;

function toNumber(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function keyOf(data: string | null | undefined): string | undefined {
  if (!data) return undefined;
  try {
    const parsed = jobDataSchema.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data.key : undefined;
  } catch {
    return undefined;
  }
}

export function createQueueInspector(options: QueueInspectorOptions): QueueInspector {
  const bull = options.queue.bullQueue;
  const redis = options.redis;
  const scanLimit = options.finishedJobScanLimit ?? 2000;

  async function jobView(id: string | null): Promise<QueueJobView | undefined> {
    if (!id) return undefined;
    const job = await Job.fromId(bull, id);
    if (!job?.id) return undefined;
    const state = await job.getState();
    return {
      id: job.id,
      name: job.name,
      state,
      trigger: job.opts.priority === resyncPriority ? 'resync' : 'event',
      enqueuedAt: job.timestamp,
      startedAt: job.processedOn,
      finishedAt: job.finishedOn,
      dueAt: state === 'delayed' ? job.timestamp + (job.delay ?? 0) : undefined,
      attempts: job.attemptsMade,
      failedReason: job.failedReason || undefined,
    };
  }

  /** Newest finished reconcile of `key` in one finished set (score = finishedOn), newest first, bounded. */
  async function newestFinished(
    set: 'completed' | 'failed',
    key: string,
  ): Promise<{ view: QueueJobView | undefined; scanned: number }> {
    let scanned = 0;
    while (scanned < scanLimit) {
      const count = Math.min(SCAN_CHUNK, scanLimit - scanned);
      const ids = await redis.zrevrange(bull.toKey(set), scanned, scanned + count - 1);
      if (ids.length === 0) break;
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hmget(bull.toKey(id), ...JOB_FIELDS);
      const replies = (await pipeline.exec()) ?? [];
      scanned += ids.length;
      for (const [i, id] of ids.entries()) {
        const fields = replies[i]?.[1];
        if (!Array.isArray(fields)) continue;
        const [name, data, timestamp, processedOn, finishedOn, failedReason, attemptsMade, priority] =
          fields as (string | null)[];
        if (name !== reconcileJobName || keyOf(data) !== key) continue;
        return {
          scanned,
          view: {
            id,
            name,
            state: set,
            trigger: toNumber(priority) === resyncPriority ? 'resync' : 'event',
            enqueuedAt: toNumber(timestamp),
            startedAt: toNumber(processedOn),
            finishedAt: toNumber(finishedOn),
            dueAt: undefined,
            attempts: toNumber(attemptsMade) ?? 0,
            failedReason: failedReason || undefined,
          },
        };
      }
      if (ids.length < count) break;
    }
    return { view: undefined, scanned };
  }

  return {
    async inspect(key) {
      const [failures, currentId, timerJobId, followUp, completed, failed] = await Promise.all([
        options.queue.failureCount(key),
        bull.getDeduplicationJobId(reconcileDedupId(key)),
        bull.getDeduplicationJobId(timerDedupId(key)),
        // BullMQ keeps the follow-up of an active deduplicated job until it finishes.
        redis.exists(bullDedupKeys((type) => bull.toKey(type), reconcileDedupId(key)).followUp),
        newestFinished('completed', key),
        newestFinished('failed', key),
      ]);
      const [current, timer] = await Promise.all([jobView(currentId), jobView(timerJobId)]);
      const finished = [completed.view, failed.view].filter((v): v is QueueJobView => v !== undefined);
      finished.sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
      return {
        key,
        failures,
        // The dedup id outlives its job for a moment when the job finishes; only a live job counts as current.
        current:
          current &&
          ['waiting', 'prioritized', 'active', 'delayed', 'waiting-children'].includes(current.state)
            ? current
            : undefined,
        followUpQueued: followUp === 1,
        timer: timer && timer.state === 'delayed' ? timer : undefined,
        lastFinished: finished[0],
        finishedJobsScanned: Math.max(completed.scanned, failed.scanned),
      };
    },
  };
}
