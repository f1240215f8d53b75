/** Tunables of the session machine. Every duration is in milliseconds. */
export interface MachineConfig {
  /**
   * How often a runner that vanished (Job or pod deleted) in Creating/Running is re-created
   * before the session fails (`MAX_RUNNER_RECREATIONS`).
   * @defaultValue 3
   */
  maxRunnerRecreations: number;
  /**
   * Delay before the first re-creation; doubles with each further one.
   * @defaultValue 5000
   */
  runnerRecreationBackoffMs: number;
  /** @defaultValue 300000 */
  runnerRecreationBackoffMaxMs: number;
  /**
   * Age at which the runner's ServiceAccount token is re-minted (upstream: 45 min).
   * @defaultValue 2700000
   */
  tokenRefreshIntervalMs: number;
  /**
   * How long Stopping waits for the runner to terminate gracefully before it is force-deleted
   * (the runner pod's terminationGracePeriodSeconds is 60).
   * @defaultValue 90000
   */
  stopGraceMs: number;
  /**
   * First re-check after the runner secret was found missing; the spacing doubles up to the max.
   * @defaultValue 5000
   */
  secretRetryBaseMs: number;
  /** @defaultValue 300000 */
  secretRetryMaxMs: number;
  /**
   * Re-try delay after a failed spec sync with the runner.
   * @defaultValue 30000
   */
  specSyncRetryMs: number;
}

export const DEFAULT_MACHINE_CONFIG: Readonly<MachineConfig> = Object.freeze({
  maxRunnerRecreations: 3,
  runnerRecreationBackoffMs: 5_000,
  runnerRecreationBackoffMaxMs: 300_000,
  tokenRefreshIntervalMs: 45 * 60_000,
  stopGraceMs: 90_000,
  secretRetryBaseMs: 5_000,
  secretRetryMaxMs: 300_000,
  specSyncRetryMs: 30_000,
});
