import { formatRelative, formatTimestamp } from './format.js';
import type { KeyQueueState, QueueJobView } from './queue-inspector.js';

/** Plain-language answers to "when was this session last reconciled, and why / when will it be next?". */
export interface ReconcileExplanation {
  last: string;
  next: string;
  /** Epoch ms of the next scheduled run, when one is scheduled at a known time. */
  nextAt: number | undefined;
}

function triggerText(job: QueueJobView): string {
  return job.trigger === 'resync'
    ? 'queued by a resync (the watcher re-enqueues every session periodically and after it starts)'
    : 'queued by a change to the session or one of its children, or by a due timer';
}

function at(ms: number | undefined, now: number): string {
  return ms === undefined ? 'at an unknown time' : `at ${formatTimestamp(ms)} (${formatRelative(ms, now)})`;
}

export function explainReconcile(state: KeyQueueState, now: number): ReconcileExplanation {
  const done = state.lastFinished;
  let last: string;
  if (done) {
    const outcome =
      done.state === 'failed' ? `failed${done.failedReason ? `: ${done.failedReason}` : ''}` : 'completed';
    last = `Last reconcile ${outcome}, finished ${at(done.finishedAt, now)}; it was ${triggerText(done)}.`;
  } else {
    last = `No finished reconcile of this session is kept in the queue (looked at the newest ${state.finishedJobsScanned} finished jobs; the queue keeps only its newest finished jobs).`;
  }
  if (state.failures > 0) {
    last += ` ${state.failures} consecutive failed reconcile${state.failures === 1 ? '' : 's'}: retries back off exponentially.`;
  }

  const current = state.current;
  if (current?.state === 'active') {
    const followUp = state.followUpQueued
      ? ' A change arrived during this run, so exactly one more reconcile follows it.'
      : '';
    return { last, next: `Reconciling now (started ${at(current.startedAt, now)}).${followUp}`, nextAt: now };
  }
  if (current) {
    return {
      last,
      next: `Queued ${at(current.enqueuedAt, now)}, waiting for a worker; it was ${triggerText(current)}.`,
      nextAt: now,
    };
  }
  const timer = state.timer;
  if (timer) {
    const why =
      state.failures > 0
        ? `a retry after ${state.failures} failed reconcile${state.failures === 1 ? '' : 's'} (backoff)`
        : 'a requeue-after asked for by the last reconcile (a deadline such as inactivity, token refresh or the Stopping grace)';
    return {
      last,
      next: `Timer due ${at(timer.dueAt, now)}: ${why}. A change to the session comes first.`,
      nextAt: timer.dueAt,
    };
  }
  return {
    last,
    next: 'Nothing scheduled: the next reconcile happens when the session or one of its children changes, or at the next periodic resync.',
    nextAt: undefined,
  };
}
