import type { PhaseTransition, SessionStatus } from '@ambient-operator/machines';
import { NO_PHASE, isTerminalPhase } from '@ambient-operator/machines';
import type { OperatorMetrics } from '@ambient-operator/shared';

/**
 * Counts transitions that were written: called only after the status write succeeded, so a transition
 * is counted once cluster-wide even when a key is delivered twice (the second run sees it done).
 */
export function recordTransitions(
  metrics: OperatorMetrics,
  namespace: string,
  transitions: readonly PhaseTransition[],
  status: SessionStatus,
  nowMs: number,
): void {
  for (const t of transitions) {
    metrics.phaseTransitions.inc({ namespace, from_phase: t.from, to_phase: t.to });
    if (t.from === NO_PHASE) metrics.sessionsTotal.inc({ namespace });
    if (isTerminalPhase(t.to)) metrics.sessionsCompleted.inc({ namespace, final_phase: t.to });
    if (t.to === 'Failed') metrics.sessionErrors.inc({ namespace, phase: t.from, error_type: t.reason });
    if (t.to === 'Running' && status.startTime) {
      const started = Date.parse(status.startTime);
      if (Number.isFinite(started))
        metrics.sessionStartupDuration.observe({ namespace }, Math.max(0, nowMs - started) / 1000);
    }
  }
}
