import { classifyError } from '../errors.js';

/** What a reconcile asks for when it succeeds: nothing more, or another run after a delay (a timer). */
export interface ReconcileOutcome {
  /** Reconcile the key again after this many milliseconds, unless an event comes first. */
  requeueAfterMs?: number;
  /** The phase the object was reconciled in (the `phase` label of the reconcile metrics). */
  phase?: string;
}

/**
 * How a failed reconcile is retried: `retryable` → per-key exponential backoff; `conflict` (HTTP 409 on a
 * resourceVersion precondition) → run again at once from a fresh read; `terminal` → no retry, only counted.
 */
export type ReconcileErrorKind = 'retryable' | 'conflict' | 'terminal';

/** The one label every finished reconcile is counted under (controller-runtime's `reconcile_total{result}`). */
export type ReconcileResult = 'success' | 'requeue_after' | ReconcileErrorKind;

/**
 * Default classification: shared's {@link classifyError} (an error's own `kind`, HTTP 409 → conflict, 4xx validation
 * → terminal, network/5xx → retryable), plus BullMQ's `UnrecoverableError` by name → terminal.
 */
export function classifyReconcileError(err: unknown): ReconcileErrorKind {
  if (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'UnrecoverableError') {
    return 'terminal';
  }
  return classifyError(err).kind;
}

/**
 * Thrown back to BullMQ after the worker has already handled a failed reconcile (counted it, scheduled the retry),
 * so the job shows as failed with its reason in Bull Board and the failure listener knows not to heal it again.
 */
export class HandledReconcileError extends Error {
  override readonly name = 'HandledReconcileError';
  constructor(
    readonly key: string,
    readonly kind: ReconcileErrorKind,
    cause: unknown,
  ) {
    super(`reconcile of ${key} failed (${kind}): ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}
