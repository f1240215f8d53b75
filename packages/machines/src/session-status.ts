/**
 * The AgenticSession status as this package reads and writes it: upstream's CRD fields
 * (deploy/crds/agenticsessions-crd.yaml) plus our optional additive fields
 * (runnerRecreations, lastRunnerRecreationTime, phaseTransitionTime, phaseHistory).
 * Kept local until @ambient-operator/shared's zod schema settles; structurally compatible with it.
 */

/** Every phase of the CRD's `status.phase` enum, in lifecycle order. */
export const PHASES = [
  'Pending',
  'Creating',
  'Running',
  'Stopping',
  'Stopped',
  'Completed',
  'Failed',
] as const;
export type SessionPhase = (typeof PHASES)[number];

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
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** One `status.conditions[]` entry. `type` is a string because a stored status may hold other writers' types. */
export interface SessionCondition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  /** RFC 3339; changes only when `status` changes. */
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface ReconciledRepo {
  url?: string;
  /** @deprecated upstream field; use currentActiveBranch. */
  branch?: string;
  branches?: string[];
  currentActiveBranch?: string;
  defaultBranch?: string;
  name?: string;
  status?: 'Cloning' | 'Ready' | 'Failed';
  clonedAt?: string;
}

export interface ReconciledWorkflow {
  gitUrl?: string;
  branch?: string;
  path?: string;
  status?: 'Cloning' | 'Active' | 'Failed';
  appliedAt?: string;
}

/** One entry of the additive, bounded `status.phaseHistory` (newest last). */
export interface PhaseHistoryEntry {
  from?: string;
  to: string;
  /** RFC 3339. */
  at: string;
  reason?: string;
}

/** Upper bound of `status.phaseHistory` (the CRD's maxItems). */
export const PHASE_HISTORY_LIMIT = 20;

export interface SessionStatus {
  phase?: SessionPhase;
  observedGeneration?: number;
  startTime?: string;
  completionTime?: string;
  /** Written by the backend (AG-UI activity); the machine only reads it and deletes it on reset. */
  lastActivityTime?: string;
  stoppedReason?: 'user' | 'inactivity';
  reconciledRepos?: ReconciledRepo[];
  reconciledWorkflow?: ReconciledWorkflow;
  sdkSessionId?: string;
  sdkRestartCount?: number;
  conditions?: SessionCondition[];
  /** Additive: re-creations of a vanished runner in the current run. */
  runnerRecreations?: number;
  /** Additive: when the last re-creation was decided (basis of its backoff). */
  lastRunnerRecreationTime?: string;
  /** Additive: when `phase` last changed (basis of the Stopping grace deadline). */
  phaseTransitionTime?: string;
  /** Additive: the last {@link PHASE_HISTORY_LIMIT} phase changes, newest last. */
  phaseHistory?: PhaseHistoryEntry[];
}

/**
 * A JSON merge patch (RFC 7386) for the `/status` subresource: a field set to `null` is deleted,
 * an absent field is left as it is, arrays are replaced whole.
 */
export type SessionStatusPatch = { [K in keyof SessionStatus]?: SessionStatus[K] | null };
