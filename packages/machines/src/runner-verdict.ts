import type { RunnerObservation } from './session-observation.js';

/** Waiting reasons of the runner container that will not resolve by themselves (contract row 16). */
export const FATAL_WAITING_REASONS: readonly string[] = [
  'ImagePullBackOff',
  'ErrImagePull',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'InvalidImageName',
];

/** Exit code by which the runner reports a failed prerequisite (Job podFailurePolicy). */
export const PREREQUISITE_FAILED_EXIT_CODE = 2;

/**
 * What the observed runner means for the session:
 * - `succeeded` / `failed`: it finished; `reason` and `message` go to the Ready condition;
 * - `vanished`: the Job or its pod was deleted by someone else before finishing;
 * - `started`: the runner container is running;
 * - `starting`: not yet running (scheduling, image pull, init containers, Job controller lag).
 */
export type RunnerVerdict =
  | { kind: 'succeeded'; reason: string; message: string }
  | { kind: 'failed'; reason: string; message: string }
  | { kind: 'vanished'; reason: 'RunnerJobDeleted' | 'RunnerPodDeleted'; message: string }
  | { kind: 'started' }
  | { kind: 'starting' };

function withDetail(head: string, reason: string | undefined, message: string | undefined): string {
  const detail = [reason, message].filter((s) => s !== undefined && s !== '').join(' - ');
  return detail === '' ? head : `${head}: ${detail}`;
}

/**
 * Classifies the runner of the current run. `podExpected` is true once the runner was seen
 * running (phase Running), where a missing pod means it was deleted; in Creating the Job
 * controller may simply not have created the pod yet.
 */
export function classifyRunner(runner: RunnerObservation, podExpected: boolean): RunnerVerdict {
  const { job, pod } = runner;
  if (pod !== null) {
    if (pod.eviction !== undefined) {
      return {
        kind: 'failed',
        reason: 'Evicted',
        message: pod.eviction.message ?? `Runner pod evicted: ${pod.eviction.reason}`,
      };
    }
    const c = pod.runner;
    if (c?.state === 'terminated') {
      if (c.exitCode === 0) return { kind: 'succeeded', reason: 'Completed', message: 'Runner finished' };
      if (c.exitCode === PREREQUISITE_FAILED_EXIT_CODE) {
        return {
          kind: 'failed',
          reason: 'PrerequisiteFailed',
          message: withDetail(`Runner exited with code ${c.exitCode}`, c.reason, c.message),
        };
      }
      if (c.reason === 'OOMKilled') {
        return {
          kind: 'failed',
          reason: 'OOMKilled',
          message: `Runner was OOM-killed (exit code ${c.exitCode})`,
        };
      }
      return {
        kind: 'failed',
        reason: 'RunnerExit',
        message: withDetail(`Runner exited with code ${c.exitCode}`, c.reason, c.message),
      };
    }
    if (c?.state === 'waiting' && c.reason !== undefined && FATAL_WAITING_REASONS.includes(c.reason)) {
      return { kind: 'failed', reason: c.reason, message: withDetail('Runner waiting', c.reason, c.message) };
    }
    if (pod.initFailure !== undefined) {
      const f = pod.initFailure;
      const code = f.exitCode !== undefined ? ` (exit code ${f.exitCode})` : '';
      const reason = FATAL_WAITING_REASONS.includes(f.reason) ? f.reason : 'InitContainerFailed';
      return {
        kind: 'failed',
        reason,
        message: withDetail(`Init container ${f.container} failed${code}`, f.reason, f.message),
      };
    }
    if (pod.phase === 'Succeeded')
      return { kind: 'succeeded', reason: 'Completed', message: 'Session finished' };
    if (pod.phase === 'Failed') return { kind: 'failed', reason: 'PodFailed', message: 'Runner pod failed' };
  }

  if (job?.complete === true && !job.deleting)
    return { kind: 'succeeded', reason: 'Completed', message: 'Runner job completed' };
  if (job === null || job.deleting) {
    return {
      kind: 'vanished',
      reason: 'RunnerJobDeleted',
      message: 'The runner Job was deleted before the runner finished',
    };
  }
  if (pod === null || pod.deleting) {
    // A Job whose pod is gone and that has failed (backoffLimit 0) lost its pod to a deletion.
    if (podExpected || job.failed !== undefined || pod?.deleting === true) {
      return {
        kind: 'vanished',
        reason: 'RunnerPodDeleted',
        message: 'The runner pod was deleted before the runner finished',
      };
    }
    return { kind: 'starting' };
  }
  if (job.failed !== undefined) {
    return {
      kind: 'failed',
      reason: job.failed.reason,
      message: job.failed.message ?? `Runner job failed: ${job.failed.reason}`,
    };
  }
  return pod.runner?.state === 'running' ? { kind: 'started' } : { kind: 'starting' };
}
