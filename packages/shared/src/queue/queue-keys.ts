import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * The one job name of the sessions queue: a reconcile of a key. A requeue-after or a retry delays the key's own job
 * (one job per wake-up); `legacyTimerJobName` is what an older version scheduled separately, still honoured.
 */
export const reconcileJobName = 'reconcile';
export const legacyTimerJobName = 'timer';

/** BullMQ priority of resync adds; events carry none, and BullMQ serves un-prioritized jobs first. */
export const resyncPriority = 100;

/**
 * Id of a job added without a priority (an event, a timer). An event merged into a waiting job moves a resync job
 * ahead; a merged-into id with this prefix shows there is nothing to move without reading its priority (a job of
 * an older version, without it, is still read).
 */
export function unprioritizedJobId(): string {
  return `u-${randomUUID()}`;
}
export const isUnprioritizedJobId = (id: string): boolean => id.startsWith('u-');

/**
 * The job payload: level-based, like controller-runtime's `Request`. `dueAt` (epoch ms) is written by the worker when
 * it delays the job again (requeue-after, retry), so the queue wait of the next run counts from when it fell due.
 */
export const jobDataSchema = z.object({ key: z.string().min(1), dueAt: z.number().optional() });
export type JobData = z.infer<typeof jobDataSchema>;

/** Dedup id of a key's reconcile job: the key itself (one job per key: waiting, running, or delayed as its timer). */
export function reconcileDedupId(key: string): string {
  return key;
}

/**
 * BullMQ attempts of a reconcile job: retries are ours (per-key backoff, {@link retryBackoffType}), never exhausted
 * by BullMQ; a terminal error is not retried.
 */
export const retryForever = Number.MAX_SAFE_INTEGER;
/** The custom BullMQ backoff type of reconcile jobs, served by the worker's backoff strategy. */
export const retryBackoffType = 'reconcile';

/** Redis keys we own next to BullMQ's `<prefix>:<name>:*`. */
export function queueOwnKeys(prefix: string, name: string): { failures: string; sentinel: string } {
  return { failures: `${prefix}:${name}:failures`, sentinel: `${prefix}:${name}:sentinel` };
}

/**
 * Our marker of a key's run in progress: `running` from the run's start, `followUp` once an event came in during
 * the run (the producer sets it only on an existing marker, `SET … XX`), read and removed at the run's end. The run
 * then goes again (the same job, delayed by 0) instead of BullMQ storing a follow-up job and creating it when the
 * run finishes (`keepLastIfActive` stays the fallback for the short moments a run's job has no marker: before its
 * start, after its end). It expires `ttl` after its last renewal, so a killed worker's marker outlives it by at most
 * that: the events it took are served by the run that recovers the stalled job, which starts after them.
 */
export const runMarker = { running: 'r', followUp: 'f' } as const;
export function runMarkerKey(prefix: string, name: string, key: string): string {
  return `${prefix}:${name}:run:${key}`;
}

/** The sorted set of keys in one phase (score = ms when they entered it), see session-phase-index.ts. */
export function phaseIndexKey(prefix: string, name: string, phase: string): string {
  return `${prefix}:${name}:phase:${phase}`;
}

export interface QueueIdentity {
  /**
   * Redis key prefix of every key the queue writes.
   * @defaultValue 'ambient'
   */
  prefix?: string;
  /**
   * Queue name (BullMQ keys are `<prefix>:<name>:*`).
   * @defaultValue 'sessions'
   */
  name?: string;
}

export function resolveIdentity(identity: QueueIdentity): { prefix: string; name: string } {
  return { prefix: identity.prefix ?? 'ambient', name: identity.name ?? 'sessions' };
}

/**
 * Finished jobs kept for inspection (Bull Board, the dashboard's last reconcile of a key); bounded by count so Redis
 * memory stays flat. By count only: an age bound costs every finish one more command inside BullMQ's script.
 */
export const retention = {
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 5000 },
} as const;

/**
 * The two BullMQ deduplication keys the queue reads in pipelines (one round trip per batch), in one place. BullMQ has
 * `getDeduplicationJobId` for the first, but no public accessor for the second (the follow-up `keepLastIfActive`
 * stores while the job is active: its existence proves a run after now), and neither can join a pipeline;
 * `toKey` is the queue's own key builder.
 */
export function bullDedupKeys(
  toKey: (type: string) => string,
  dedupId: string,
): { current: string; followUp: string } {
  return { current: toKey(`de:${dedupId}`), followUp: toKey(`dn:${dedupId}`) };
}
