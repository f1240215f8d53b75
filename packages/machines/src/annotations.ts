/**
 * Annotation keys the machine reads or asks to clear (contract §1.4). The values must match
 * @ambient-operator/shared's constants; they are repeated here so the machine has no runtime dependency.
 */
export const SESSION_ANNOTATIONS = {
  /** `Running` | `Stopped`: the backend's imperative request. */
  desiredPhase: 'ambient-code.io/desired-phase',
  /** `inactivity` gives stoppedReason `inactivity`; any other value gives `user`. */
  stopReason: 'ambient-code.io/stop-reason',
  /** Informational; cleared when the session reaches Stopped. */
  stopRequestedAt: 'ambient-code.io/stop-requested-at',
  /** `true` suppresses IS_RESUME on the next runner; cleared once the runner is created. */
  forceExecutePrompt: 'ambient-code.io/force-execute-prompt',
} as const;

/**
 * Annotation on the runner Job: the session's `status.startTime` the Job was created for. It
 * identifies the run, so a Job left over from an earlier run (restart, re-creation) is deleted
 * instead of being adopted.
 */
export const RUNNER_RUN_START_TIME_ANNOTATION = 'ambient-code.io/run-start-time';
