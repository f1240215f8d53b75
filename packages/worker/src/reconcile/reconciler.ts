import type { KeyKind, KeyRef, ReconcileOutcome } from '@ambient-operator/shared';
import type { WorkerDeps } from '../worker-deps.js';

/** One key to reconcile, parsed by the key-kind table (shared's KEY_KINDS). */
export interface ReconcileRequest<K extends KeyKind = KeyKind> {
  key: string;
  ref: KeyRef & { kind: K };
  /** Aborted on timeout, lost lock or forced shutdown; every API call in the reconcile already carries it. */
  signal: AbortSignal;
  /** Unique per run, in every log line of the run. */
  reconcileId: string;
}

/** A phase change the reconcile wrote (counted only after the write succeeded). */
export interface ReconcileTransition {
  from: string;
  to: string;
  reason: string;
}

/** What a reconcile returns: when to look again, the phase it reconciled (metrics label), what it changed. */
export interface ReconcileResult extends ReconcileOutcome {
  transitions?: readonly ReconcileTransition[];
}

/** A failure that no retry can fix, as a user should see it on the object. */
export interface TerminalFailure {
  /** CamelCase, e.g. `INVALID_INPUT` → `InvalidInput`. */
  reason: string;
  message: string;
}

/**
 * The reconciler of one key kind (controller-runtime's `Reconciler`): level-based, idempotent, given only the key.
 * Throw to fail; the queue retries as the error's kind says (shared's classifyError).
 */
export interface Reconciler<K extends KeyKind = KeyKind> {
  reconcile(request: ReconcileRequest<K>, deps: WorkerDeps): Promise<ReconcileResult>;
  /** Records a terminal failure on the object (a condition); best effort. Kinds without status may omit it. */
  recordTerminalFailure?(
    request: ReconcileRequest<K>,
    failure: TerminalFailure,
    deps: WorkerDeps,
  ): Promise<void>;
}
