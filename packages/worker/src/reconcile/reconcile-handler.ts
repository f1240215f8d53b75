import {
  classifyError,
  classifyReconcileError,
  namespaceOfKey,
  parseQueueKey,
  type KeyKind,
  type ReconcileContext,
  type ReconcileOutcome,
  type ReconcileReport,
} from '@ambient-operator/shared';
import { CommandFailedError } from '../command-failure.js';
import type { WorkerDeps } from '../worker-deps.js';
import { ReconcileFailure } from './reconcile-loop.js';
import type { ReconcileRequest, Reconciler, TerminalFailure } from './reconciler.js';
import { reconcilers } from './reconcilers.js';

/**
 * The one place every reconcile passes through (controller-runtime's reconcileHandler): the key is parsed and
 * dispatched to its kind's reconciler, a terminal failure is recorded on the object, and each run's outcome is
 * counted and logged with its reconcile ID. The queue worker around it requeues (timer or backoff), aborts on
 * timeout or lost lock, and turns anything thrown (a panic included) into a classified failure.
 */
export interface ReconcileHandler {
  process(key: string, context: ReconcileContext): Promise<ReconcileOutcome>;
  onReconciled(report: ReconcileReport): void;
}

export function createReconcileHandler(deps: WorkerDeps): ReconcileHandler {
  const { metrics, log } = deps;
  return {
    async process(key, { signal, reconcileId }) {
      const ref = parseQueueKey(key);
      const request: ReconcileRequest = { key, ref, signal, reconcileId };
      const reconciler = reconcilerFor(ref.kind);
      try {
        return await reconciler.reconcile(request, deps);
      } catch (err) {
        if (classifyReconcileError(err) === 'terminal' && !signal.aborted) {
          await recordTerminal(reconciler, request, err);
        }
        throw err;
      }
    },

    onReconciled(report) {
      const phase =
        report.outcome?.phase ?? (report.error instanceof ReconcileFailure ? report.error.phase : 'Unknown');
      const success = report.result === 'success' || report.result === 'requeue_after';
      metrics.reconcileTotal.inc({ outcome: report.result });
      metrics.reconcileDuration.observe({ phase, success: String(success) }, report.durationMs / 1000);
      const fields = {
        key: report.key,
        reconcileId: report.reconcileId,
        result: report.result,
        ms: Math.round(report.durationMs),
        next: report.nextRunInMs,
      };
      if (success) {
        metrics.queueProcessed.inc();
        log.debug(fields, 'reconciled');
        return;
      }
      const cause = classifyError(report.error);
      if (report.result !== 'conflict') {
        metrics.queueFailed.inc();
        metrics.sessionErrors.inc({
          namespace: namespaceOfKey(report.key),
          phase,
          error_type: commandOf(report.error) ?? cause.code,
        });
      }
      log[report.result === 'conflict' ? 'debug' : 'warn'](
        { ...fields, failures: report.failures, err: cause.message },
        'reconcile failed',
      );
    },
  };

  async function recordTerminal(
    reconciler: Reconciler,
    request: ReconcileRequest,
    err: unknown,
  ): Promise<void> {
    if (!reconciler.recordTerminalFailure) return;
    const { code, message } = classifyError(err);
    const failure: TerminalFailure = { reason: camelCase(code), message: message.slice(0, 1000) };
    try {
      await reconciler.recordTerminalFailure(request, failure, deps);
    } catch (writeError) {
      log.debug(
        { key: request.key, reconcileId: request.reconcileId, err: writeError },
        'could not record the failure',
      );
    }
  }
}

function reconcilerFor<K extends KeyKind>(kind: K): Reconciler<K> {
  return reconcilers[kind];
}

/** The command a failure happened in (the `error_type` of `ambient_session_errors_total`), if any. */
function commandOf(error: unknown): string | undefined {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof CommandFailedError) return e.command;
  return undefined;
}

/** `INVALID_INPUT` → `InvalidInput` (a condition reason is CamelCase). */
function camelCase(code: string): string {
  return code
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
