/** Simulated pod lifecycle timings (milliseconds). Small defaults keep tests fast. */
export interface PodTimings {
  /** From creation to scheduled (PodScheduled, nodeName). @defaultValue 5 */
  scheduleDelayMs: number;
  /** Time in ContainerCreating, unless a container sets SIM_START_DELAY_MS. @defaultValue 20 */
  startDelayMs: number;
  /** From ErrImagePull to ImagePullBackOff. @defaultValue 50 */
  imagePullBackOffDelayMs: number;
  /** Time in CrashLoopBackOff before a container restarts (restartPolicy Always/OnFailure). @defaultValue 100 */
  restartDelayMs: number;
  /** Upper bound on how long a gracefully deleted pod takes to go away (also bounded by its grace period). @defaultValue 100 */
  deletionDelayMs: number;
  /** Delay before the Job controller replaces a failed pod. @defaultValue 10 */
  jobRetryDelayMs: number;
}

export const DEFAULT_POD_TIMINGS: PodTimings = {
  scheduleDelayMs: 5,
  startDelayMs: 20,
  imagePullBackOffDelayMs: 50,
  restartDelayMs: 100,
  deletionDelayMs: 100,
  jobRetryDelayMs: 10,
};
