import type { ConditionStatus, ReconciledRepo, ReconciledWorkflow } from './session-status.js';

/**
 * Everything one reconcile observed about a session, built by the worker from live reads.
 * It is the only input besides the stored status: the machine reads no clock and does no I/O.
 */
export interface SessionObservation {
  /** Time of this reconcile, ms since the epoch. */
  nowMs: number;
  /** `metadata.generation` of the AgenticSession. */
  generation: number;
  /** `metadata.creationTimestamp` (RFC 3339); the last fallback of the inactivity clock. */
  creationTimestamp?: string;
  annotations: SessionAnnotationsObservation;
  /** Spec and name validation (DNS-1123, derived names such as `session-<name>` ≤ 63). */
  validation: SpecValidation;
  /**
   * The secret the runner needs (`ambient-runner-secrets` in the session namespace, or `ambient-vertex` in
   * BACKEND_NAMESPACE when Vertex is on), and where it is expected (messages name it).
   */
  runnerSecret: { name: string; present: boolean; namespace?: string; vertex?: boolean };
  /** `spec.repos` (url, branch): the repos a new runner clones, recorded as reconciled when it is created. */
  specRepos?: { url: string; branch?: string }[];
  /**
   * Whether session state can persist (S3 resolved as upstream, contract §3.3); read only where a runner
   * may be created. `S3Available` is written with the runner; false is upstream's only warning.
   */
  s3?: { configured: true } | { configured: false; message: string };
  /**
   * Problems of the agent registry or models manifest that concern this session (its RUNNER_TYPE's entry,
   * its model's entry, or a whole unusable file); read only where a runner may be created.
   */
  configProblems?: string[];
  /** Secret `ambient-runner-token-<name>`. */
  token: RunnerTokenObservation;
  /** Effective inactivity timeout in seconds (session, then ProjectSettings, then default); 0 or null disables it. */
  inactivityTimeoutSeconds: number | null;
  runner: RunnerObservation;
  /**
   * Outcome of a `syncRunnerSpec` command the worker executed in this reconcile. The worker calls
   * `decide` again with it (and the status after the first patch), so status reports what happened.
   */
  specSync?: SpecSyncResult;
}

export interface SessionAnnotationsObservation {
  /** `ambient-code.io/desired-phase` as found (`Running`, `Stopped`, or anything else, which is ignored). */
  desiredPhase?: string;
  /** `ambient-code.io/stop-reason`. */
  stopReason?: string;
  /** `ambient-code.io/stop-requested-at`. */
  stopRequestedAt?: string;
  /** `ambient-code.io/force-execute-prompt` is `true`. */
  forceExecutePrompt?: boolean;
}

export type SpecValidation = { ok: true } | { ok: false; issues: ValidationIssue[] };

export interface ValidationIssue {
  /** `InvalidSpec` (schema), `InvalidName` (not DNS-1123), `NameTooLong` (a derived name exceeds its limit). */
  reason: 'InvalidSpec' | 'InvalidName' | 'NameTooLong';
  /** Path of the offending field, e.g. `spec.repos[0].url` or `metadata.name`. */
  field?: string;
  message: string;
}

export interface RunnerTokenObservation {
  secretPresent: boolean;
  /** `ambient-code.io/token-refreshed-at` of the token Secret, ms since the epoch; absent if missing or unparseable. */
  refreshedAtMs?: number;
}

/** The runner Job `<name>-runner` and its pod (the pod owned by that Job, not any pod with the label). */
export interface RunnerObservation {
  job: RunnerJobObservation | null;
  pod: RunnerPodObservation | null;
}

export interface RunnerJobObservation {
  /** The Job's run-start-time annotation: `status.startTime` of the run it was created for. */
  runStartTime?: string;
  /** `metadata.deletionTimestamp` is set. */
  deleting: boolean;
  /** Job condition Complete=True. */
  complete: boolean;
  /** Job condition Failed=True. */
  failed?: { reason: string; message?: string };
}

export interface RunnerPodObservation {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  /** `metadata.deletionTimestamp` is set. */
  deleting: boolean;
  nodeName?: string;
  /** The PodScheduled condition. */
  scheduled?: { status: ConditionStatus; reason?: string; message?: string };
  /** State of the `ambient-code-runner` container, once reported. */
  runner?: ContainerStateObservation;
  /** The first init container that failed (terminated non-zero, or waiting for a fatal reason). */
  initFailure?: { container: string; reason: string; exitCode?: number; message?: string };
  /** Set when the pod was evicted (status.reason `Evicted`, or a DisruptionTarget condition). */
  eviction?: { reason: string; message?: string };
}

export type ContainerStateObservation =
  | { state: 'waiting'; reason?: string; message?: string }
  | { state: 'running' }
  | { state: 'terminated'; exitCode: number; reason?: string; message?: string };

/** What the worker's `syncRunnerSpec` did (runner `/repos/add|remove` and `/workflow`, contract §3.6). */
export interface SpecSyncResult {
  /** The generation the sync applied. */
  generation: number;
  repos: { ok: true; reconciled: ReconciledRepo[] } | { ok: false; message: string };
  /** `reconciled: null` means the spec has no active workflow. */
  workflow: { ok: true; reconciled: ReconciledWorkflow | null } | { ok: false; message: string };
}
