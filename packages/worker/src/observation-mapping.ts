// Pure mapping of what a reconcile read (the runner Job and pod, annotations, validation issues) to the machine's
// observation types. No I/O: observe.ts does the reads.
import type { V1Job, V1Pod, V1Secret } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import type {
  ContainerStateObservation,
  RunnerObservation,
  RunnerPodObservation,
  SessionObservation,
  SpecValidation,
  ValidationIssue,
} from '@ambient-operator/machines';
import { FATAL_WAITING_REASONS, RUNNER_RUN_START_TIME_ANNOTATION } from '@ambient-operator/machines';
import {
  DESIRED_PHASE,
  FORCE_EXECUTE_PROMPT,
  STOP_REASON,
  STOP_REQUESTED_AT,
  runnerJobName,
  validateSessionName,
  type StoredAgenticSession,
} from '@ambient-operator/shared';
import { CONTAINER_NAMES, type ResolvedS3Config } from './children/index.js';

/** What one reconcile read from the cluster: the machine's observation plus the objects commands need. */
export interface SessionReadings {
  observation: SessionObservation;
  /** The validated CR, or undefined when it failed validation (then no child is built). */
  valid: StoredAgenticSession | undefined;
  /**
   * The runner Job as read, or as its live pod tells it where the Job was not read (`jobOfLivePod`: name, uid and
   * run annotation only).
   */
  job: Wire<V1Job> | null;
  pod: Wire<V1Pod> | null;
  /** The Go operator's bare runner Pod `<name>-runner`, adopted as this run's runner (legacy-runner.ts). */
  legacyPod: Wire<V1Pod> | null;
  tokenSecret: Wire<V1Secret> | null;
  /**
   * Read for the observation's `s3` when the runner is about to be built (Pending): the namespace's
   * integration Secret and the storage resolved from it, which the Job builder uses as they are.
   */
  s3Source?: { integration: Wire<V1Secret> | null; resolved: ResolvedS3Config };
  /**
   * The runner Job and pods were not read but assumed (`job` and `pod` are null, the observation says what is
   * assumed): absent for a session never started, present for a stop of a started run. Only a plan whose create or
   * delete of the Job checks the assumption may rely on it (runner-assumption.ts).
   */
  runnerAssumed?: 'absent' | 'present';
}

/** The one-shot annotations the machine reads. */
export function observeAnnotations(annotations: Record<string, string>): SessionObservation['annotations'] {
  return {
    ...(annotations[DESIRED_PHASE] !== undefined ? { desiredPhase: annotations[DESIRED_PHASE] } : {}),
    ...(annotations[STOP_REASON] !== undefined ? { stopReason: annotations[STOP_REASON] } : {}),
    ...(annotations[STOP_REQUESTED_AT] !== undefined
      ? { stopRequestedAt: annotations[STOP_REQUESTED_AT] }
      : {}),
    forceExecutePrompt: annotations[FORCE_EXECUTE_PROMPT] === 'true',
  };
}

export function toSpecValidation(
  name: string,
  schemaIssues: { path: string; message: string }[],
): SpecValidation {
  const issues: ValidationIssue[] = schemaIssues.map((i) => ({
    reason: i.path === 'metadata.name' ? 'InvalidName' : 'InvalidSpec',
    field: i.path,
    message: `${i.path}: ${i.message}`,
  }));
  for (const problem of validateSessionName(name)) {
    issues.push({ reason: 'NameTooLong', field: 'metadata.name', message: problem.message });
  }
  return issues.length === 0 ? { ok: true } : { ok: false, issues };
}

/** The pod of the current Job (by controller uid), else a leftover runner pod that is still going away. */
export function runnerPodOf(job: Wire<V1Job> | null, pods: Wire<V1Pod>[]): Wire<V1Pod> | null {
  const jobUid = job?.metadata?.uid;
  const candidates =
    jobUid === undefined
      ? pods
      : pods.filter((p) => p.metadata?.ownerReferences?.some((o) => o.uid === jobUid));
  const newest = candidates.sort((a, b) =>
    String(b.metadata?.creationTimestamp ?? '').localeCompare(String(a.metadata?.creationTimestamp ?? '')),
  );
  return newest[0] ?? null;
}

/**
 * The runner Job as its live pod tells it, or null when no pod can: the newest pod whose controller is the Job
 * `<name>-runner`, not being deleted, Pending or Running, with the run annotation its Job gave it. Such a pod tells
 * everything the Job's decision uses: the Job is there (its pods are deleted after it, which its pod shows next), it
 * has not completed or failed (the Job ends only once its one pod has; backoffLimit 0), it is not being deleted,
 * and its run is the one the annotation names (the Job's own, copied onto its pods). A Job made before its pods
 * carried the annotation is read.
 */
export function jobOfLivePod(pods: Wire<V1Pod>[], session: string): Wire<V1Job> | null {
  const jobName = runnerJobName(session);
  const controllerOf = (pod: Wire<V1Pod>) => pod.metadata?.ownerReferences?.find((o) => o.controller);
  const owned = pods.filter((p) => {
    const owner = controllerOf(p);
    return owner?.kind === 'Job' && owner.name === jobName;
  });
  const pod = runnerPodOf(null, owned);
  if (pod === null) return null;
  const owner = controllerOf(pod);
  const runStartTime = pod.metadata?.annotations?.[RUNNER_RUN_START_TIME_ANNOTATION];
  const phase = pod.status?.phase;
  const live = pod.metadata?.deletionTimestamp === undefined && (phase === 'Pending' || phase === 'Running');
  if (owner === undefined || runStartTime === undefined || !live) return null;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName,
      ...(pod.metadata?.namespace !== undefined ? { namespace: pod.metadata.namespace } : {}),
      uid: owner.uid,
      annotations: { [RUNNER_RUN_START_TIME_ANNOTATION]: runStartTime },
    },
  };
}

export function observeRunner(job: Wire<V1Job> | null, pod: Wire<V1Pod> | null): RunnerObservation {
  return {
    job:
      job === null
        ? null
        : {
            ...(job.metadata?.annotations?.[RUNNER_RUN_START_TIME_ANNOTATION] !== undefined
              ? { runStartTime: job.metadata.annotations[RUNNER_RUN_START_TIME_ANNOTATION] }
              : {}),
            deleting: job.metadata?.deletionTimestamp !== undefined,
            complete: hasCondition(job, 'Complete'),
            ...failedCondition(job),
          },
    pod: pod === null || lostToDeletion(job, pod) ? null : observePod(pod),
  };
}

/** Exit codes of a container killed by its node: SIGTERM (143), SIGKILL after the grace period (137). */
const KILLED_EXIT_CODES = [137, 143];

/**
 * A runner pod being deleted while its Job is not was deleted by someone else: the operator deletes the Job,
 * never its pod. On a real cluster the Job's tracking finalizer keeps such a pod while its node kills it, so it
 * ends Failed with exit 143 before it is gone; that kill is the deletion's doing, not the runner's outcome.
 * Upstream re-creates a deleted runner pod (contract row 19), so the machine sees no pod (a vanished runner), as
 * it already does while the pod is still being killed. An eviction stays an eviction, and an exit of the
 * runner's own (any other code) stays its outcome.
 */
function lostToDeletion(job: Wire<V1Job> | null, pod: Wire<V1Pod>): boolean {
  if (pod.metadata?.deletionTimestamp === undefined || job?.metadata?.deletionTimestamp !== undefined)
    return false;
  const observed = observePod(pod);
  return (
    observed.eviction === undefined &&
    observed.runner?.state === 'terminated' &&
    KILLED_EXIT_CODES.includes(observed.runner.exitCode)
  );
}

function hasCondition(job: Wire<V1Job>, type: string): boolean {
  return job.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}

function failedCondition(job: Wire<V1Job>): { failed?: { reason: string; message?: string } } {
  const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed === undefined) return {};
  return {
    failed: { reason: failed.reason ?? 'Failed', ...(failed.message ? { message: failed.message } : {}) },
  };
}

export function observePod(pod: Wire<V1Pod>): RunnerPodObservation {
  const status = pod.status ?? {};
  const phase = status.phase;
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  const disruption = status.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  const runner = status.containerStatuses?.find((c) => c.name === CONTAINER_NAMES.runner);
  const sidecars = new Set(
    (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name),
  );
  const initFailure = (status.initContainerStatuses ?? [])
    .filter((c) => !sidecars.has(c.name))
    .map((c) => {
      const t = c.state?.terminated;
      if (t && t.exitCode !== 0)
        return { container: c.name, reason: t.reason ?? 'Error', exitCode: t.exitCode, message: t.message };
      const w = c.state?.waiting;
      if (w?.reason && FATAL_WAITING_REASONS.includes(w.reason))
        return { container: c.name, reason: w.reason, message: w.message };
      return undefined;
    })
    .find((f) => f !== undefined);
  const evicted = status.reason === 'Evicted' || disruption !== undefined;
  return {
    phase:
      phase === 'Pending' || phase === 'Running' || phase === 'Succeeded' || phase === 'Failed'
        ? phase
        : 'Unknown',
    deleting: pod.metadata?.deletionTimestamp !== undefined,
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    ...(scheduled
      ? {
          scheduled: {
            status: scheduled.status === 'True' ? 'True' : scheduled.status === 'False' ? 'False' : 'Unknown',
            ...(scheduled.reason ? { reason: scheduled.reason } : {}),
            ...(scheduled.message ? { message: scheduled.message } : {}),
          },
        }
      : {}),
    ...(runner?.state ? { runner: containerState(runner.state) } : {}),
    ...(initFailure ? { initFailure: withoutUndefined(initFailure) } : {}),
    ...(evicted
      ? {
          eviction: {
            reason: status.reason ?? disruption?.reason ?? 'Evicted',
            ...((status.message ?? disruption?.message)
              ? { message: status.message ?? disruption?.message }
              : {}),
          },
        }
      : {}),
  };
}

function containerState(
  state: NonNullable<NonNullable<Wire<V1Pod>['status']>['containerStatuses']>[number]['state'],
) {
  const result: ContainerStateObservation | undefined = state?.terminated
    ? withoutUndefined({
        state: 'terminated' as const,
        exitCode: state.terminated.exitCode,
        reason: state.terminated.reason,
        message: state.terminated.message,
      })
    : state?.running
      ? { state: 'running' }
      : withoutUndefined({
          state: 'waiting' as const,
          reason: state?.waiting?.reason,
          message: state?.waiting?.message,
        });
  return result;
}

function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
