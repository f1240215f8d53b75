// The AgenticSession status is the CR schema's (one home, in @ambient-operator/shared: upstream's CRD fields plus our
// additive runnerRecreations, lastRunnerRecreationTime, phaseTransitionTime, phaseHistory). This file keeps only
// what is the phase model's own: which phases are terminal, the condition types it writes, the patch form.
import {
  PHASE_HISTORY_MAX_ITEMS,
  SESSION_PHASES,
  type AgenticSessionStatus,
  type ConditionStatus,
  type PhaseHistoryEntry,
  type ReconciledRepo,
  type ReconciledWorkflow,
  type SessionCondition,
  type SessionPhase,
} from '@ambient-operator/shared';

export type {
  ConditionStatus,
  PhaseHistoryEntry,
  ReconciledRepo,
  ReconciledWorkflow,
  SessionCondition,
  SessionPhase,
};

/** Every phase of the CRD's `status.phase` enum, in lifecycle order. */
export const PHASES = SESSION_PHASES;

/** Upper bound of `status.phaseHistory` (the CRD's maxItems). */
export const PHASE_HISTORY_LIMIT = PHASE_HISTORY_MAX_ITEMS;

/**
 * A stored status as the machine reads it. `phase` is optional: the machine also decides for a session whose status
 * has never been written (the schema's default applies only to a status that exists).
 */
export type SessionStatus = Omit<AgenticSessionStatus, 'phase'> & { phase?: SessionPhase };

/** Phases left only by `desired-phase=Running` (a restart). */
export const TERMINAL_PHASES = ['Stopped', 'Completed', 'Failed'] as const satisfies readonly SessionPhase[];
export type TerminalPhase = (typeof TERMINAL_PHASES)[number];

/** `from` of the first transition of a session (it had no phase yet); upstream's metric label for "". */
export const NO_PHASE = 'None';
export type TransitionSource = SessionPhase | typeof NO_PHASE;

export function isSessionPhase(value: unknown): value is SessionPhase {
  return typeof value === 'string' && (PHASES as readonly string[]).includes(value);
}

export function isTerminalPhase(phase: SessionPhase): phase is TerminalPhase {
  return (TERMINAL_PHASES as readonly string[]).includes(phase);
}

/** The condition types upstream writes (contract §4); the machine writes no others. */
export const CONDITION_TYPES = [
  'Ready',
  'SecretsReady',
  'PodCreated',
  'PodScheduled',
  'RunnerStarted',
  'ReposReconciled',
  'WorkflowReconciled',
  'Reconciled',
  'IntegrationSecretsReady',
  'S3Available',
  /** Set by the worker when a reconcile fails for good (True, with the error); cleared by the next that succeeds. */
  'ReconcileFailed',
  /**
   * Ours: written with the runner. False/`DefaultsApplied` when the agent registry or models manifest entry
   * the session uses was skipped as invalid (the runner got the defaults); True/`Configured` otherwise.
   */
  'RunnerConfigured',
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/**
 * A JSON merge patch (RFC 7386) for the `/status` subresource: a field set to `null` is deleted,
 * an absent field is left as it is, arrays are replaced whole.
 */
export type SessionStatusPatch = { [K in keyof SessionStatus]?: SessionStatus[K] | null };
