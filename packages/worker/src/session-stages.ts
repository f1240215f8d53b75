import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import type { PhaseTransition, SessionStatus } from '@ambient-operator/machines';
import type { SessionStage } from '@ambient-operator/shared';

/** What a reconcile knows when it measures the stages its written transitions completed. */
export interface StageInputs {
  /** Transitions this reconcile wrote (counted once cluster-wide, like the transition metrics). */
  transitions: readonly PhaseTransition[];
  /** Status as read before this reconcile's write (its phaseTransitionTime: when the current phase began). */
  before: SessionStatus | undefined;
  /** Status as written by this reconcile (its startTime: when the current run began). */
  after: SessionStatus;
  /** The session's creationTimestamp (the first run's start when the status has no startTime yet). */
  createdAt: string | undefined;
  job: Wire<V1Job> | null;
  pod: Wire<V1Pod> | null;
  /** The runner container's name. */
  runnerContainer: string;
  nowMs: number;
}

export interface StageDuration {
  stage: SessionStage;
  seconds: number;
}

const ms = (t: string | Date | undefined): number | undefined => {
  if (t === undefined) return undefined;
  const value = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isFinite(value) ? value : undefined;
};

/** `b - a` in seconds, never negative (API timestamps have one-second precision). */
const between = (stage: SessionStage, a: number | undefined, b: number | undefined): StageDuration[] =>
  a === undefined || b === undefined ? [] : [{ stage, seconds: Math.max(0, b - a) / 1000 }];

/**
 * The stages of a session's start and stop that this reconcile's transitions completed, timed from what
 * the API recorded where it can: the Job's creationTimestamp, the pod's PodScheduled condition, the runner
 * container's `state.running.startedAt`. A stage is measured on the transition that ends it, so it is counted
 * once per session and stage cluster-wide when called after the status write.
 *
 * - `job_created`: run start (status.startTime, else the session's creation) → runner Job created, on → Creating;
 * - `pod_scheduled`, `containers_started`, `running`: Job created (its pod's creation where the Job was not read)
 *   → pod scheduled → runner container started → phase Running, on Creating → Running;
 * - `stopping`: stop requested (Stopping began) → Stopped, on Stopping → Stopped.
 */
export function stageDurations(inputs: StageInputs): StageDuration[] {
  const { transitions, before, job, pod, nowMs } = inputs;
  const out: StageDuration[] = [];
  // A phase entered earlier in this same reconcile began now, not at the stored phaseTransitionTime.
  let phaseSinceMs = ms(before?.phaseTransitionTime);
  for (const t of transitions) {
    const enteredAtMs = phaseSinceMs;
    phaseSinceMs = nowMs;
    if (t.to === 'Creating' && t.from === 'Pending') {
      const runStart = ms(inputs.after.startTime) ?? ms(inputs.createdAt);
      // A Job this reconcile created is not in its readings: it was created moments ago, at "now".
      out.push(...between('job_created', runStart, ms(job?.metadata?.creationTimestamp) ?? nowMs));
    }
    if (t.to === 'Running' && t.from === 'Creating') {
      // Where the Job was not read (its live pod told what it would), its pod's creation stands for it: the Job
      // controller makes the pod the moment it sees the Job.
      const jobCreated = ms(job?.metadata?.creationTimestamp) ?? ms(pod?.metadata?.creationTimestamp);
      const scheduled = ms(
        pod?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'True')
          ?.lastTransitionTime,
      );
      const started = ms(
        pod?.status?.containerStatuses?.find((c) => c.name === inputs.runnerContainer)?.state?.running
          ?.startedAt,
      );
      out.push(...between('pod_scheduled', jobCreated, scheduled));
      out.push(...between('containers_started', scheduled, started));
      out.push(...between('running', started, nowMs));
    }
    if (t.to === 'Stopped' && t.from === 'Stopping') {
      out.push(...between('stopping', enteredAtMs, nowMs));
    }
  }
  return out;
}
