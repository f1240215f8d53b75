import {
  reconcileJobName,
  resyncPriority,
  type RedisClient,
  type SessionQueue,
} from '@ambient-operator/shared';
import { Job } from 'bullmq';
import { z } from 'zod';

/** A job of the sessions queue as the session page shows it. */
export interface QueueJobView {
  id: string;
  /** 'reconcile' ('timer' for a timer scheduled by an older version). */
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
  /** The key's pending timer (requeue-after or retry backoff): its job, delayed. */
  timer: QueueJobView | undefined;
  /** The key's newest finished reconcile: its delayed job's last run, or a finished job still kept. */
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

const jobDataSchema = z.object({ key: z.string(), dueAt: z.number().optional() });
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

  async function jobView(id: string | null): Promise<(QueueJobView & { delayMs: number }) | undefined> {
    if (!id) return undefined;
    // The state first, then the job: a worker that fails a run updates the job's data and then moves it to delayed
    // with its failed reason, so a job read before its state could look delayed without its reason or its delay.
    // Read in this order, a job seen delayed was read after it was delayed.
    const state = await bull.getJobState(id);
    const job = await Job.fromId(bull, id);
    if (!job?.id) return undefined;
    // A job delayed again by the worker carries its due time; one added delayed is due `delay` after its add.
    const dueAt = jobDataSchema.safeParse(job.data).data?.dueAt ?? job.timestamp + (job.delay ?? 0);
    return {
      id: job.id,
      name: job.name,
      state,
      trigger: job.opts.priority === resyncPriority ? 'resync' : 'event',
      enqueuedAt: job.timestamp,
      startedAt: job.processedOn,
      finishedAt: job.finishedOn,
      dueAt: state === 'delayed' ? dueAt : undefined,
      delayMs: job.delay ?? 0,
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

  /**
   * A delayed job has run before (it is delayed again after each run that asked for a timer or failed): its last
   * run ended when it was delayed, and failed exactly when the key's failure count is not zero.
   */
  function lastRunOfDelayed(
    timer: QueueJobView,
    failures: number,
    delayMs: number,
  ): QueueJobView | undefined {
    if (timer.startedAt === undefined || timer.dueAt === undefined) return undefined;
    return {
      ...timer,
      state: failures > 0 ? 'failed' : 'completed',
      finishedAt: timer.dueAt - delayMs,
      dueAt: undefined,
      failedReason: failures > 0 ? timer.failedReason : undefined,
    };
  }

  return {
    async inspect(key) {
      const [jobs, completed, failed] = await Promise.all([
        options.queue.keyJobs(key),
        newestFinished('completed', key),
        newestFinished('failed', key),
      ]);
      const job = await jobView(jobs.jobId ?? null);
      const timer = job?.state === 'delayed' ? job : undefined;
      const ownLastRun = timer && lastRunOfDelayed(timer, jobs.failures, timer.delayMs);
      const finished = [completed.view, failed.view, ownLastRun].filter(
        (v): v is QueueJobView => v !== undefined,
      );
      finished.sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
      return {
        key,
        failures: jobs.failures,
        // The dedup id outlives its job for a moment when the job finishes; only a live job counts as current.
        current:
          job && ['waiting', 'prioritized', 'active', 'waiting-children'].includes(job.state)
            ? job
            : undefined,
        followUpQueued: jobs.followUp,
        timer,
        lastFinished: finished[0],
        finishedJobsScanned: Math.max(completed.scanned, failed.scanned),
      };
    },
  };
}
