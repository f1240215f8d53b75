import type { Obj } from '../pod-status.js';
import { obj } from '../pod-status.js';
import type { KubeObject } from '../types.js';
import { cloneJson } from '../types.js';
import type { JobFailure } from './job-conditions.js';
import { evaluatePodFailurePolicy } from './pod-failure-policy.js';

/** The finalizer the real Job controller puts on its pods until it has counted them. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';

/** A new pod for the Job, from its template: owned by the Job and tracked by its finalizer. */
export function jobPodBody(job: KubeObject): Obj {
  const template = obj(obj(job.spec).template);
  const meta = obj(template.metadata);
  const name = job.metadata.name ?? '';
  const body = {
    metadata: {
      generateName: `${name}-`,
      labels: { ...(obj(meta.labels) as Record<string, string>) },
      annotations: { ...(obj(meta.annotations) as Record<string, string>) },
      finalizers: [JOB_TRACKING_FINALIZER],
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name,
          uid: job.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: cloneJson(obj(template.spec)),
  };
  return body;
}

/** Terminal pods not yet counted, the Job's counts with them, and the first FailJob verdict of its podFailurePolicy. */
export interface PodTally {
  succeeded: number;
  failed: number;
  failJob: JobFailure | undefined;
  /** Pods just counted: their tracking finalizer is to be removed. */
  counted: KubeObject[];
}

/**
 * Counts terminal pods once: a pod still carrying the tracking finalizer has not been counted. A
 * failed pod (or one deleted while active) counts as a failure unless the podFailurePolicy ignores it.
 */
export function tallyTerminalPods(
  job: KubeObject,
  pods: KubeObject[],
  succeeded: number,
  failed: number,
): PodTally {
  let failJob: JobFailure | undefined;
  const counted: KubeObject[] = [];
  for (const pod of pods) {
    if (!pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER)) continue;
    const phase = obj(pod.status).phase;
    const deletedWhileActive =
      pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionGracePeriodSeconds === 0;
    if (phase === 'Succeeded') succeeded++;
    else if (phase === 'Failed' || deletedWhileActive) {
      const verdict = evaluatePodFailurePolicy(job, pod);
      if (verdict.action === 'FailJob' && !failJob)
        failJob = { reason: 'PodFailurePolicy', message: verdict.message ?? '' };
      if (verdict.action !== 'Ignore') failed++;
    } else continue;
    counted.push(pod);
  }
  return { succeeded, failed, failJob, counted };
}

/** The Job's pods still running (live), those not being deleted (active), and how many of those are Ready. */
export function summarizePods(pods: KubeObject[]): {
  live: KubeObject[];
  active: KubeObject[];
  terminating: number;
  ready: number;
} {
  const live = pods.filter((p) => {
    const phase = obj(p.status).phase;
    return phase !== 'Succeeded' && phase !== 'Failed';
  });
  const active = live.filter((p) => !p.metadata.deletionTimestamp);
  const terminating = live.length - active.length;
  const ready = active.filter((p) => {
    const list = obj(p.status).conditions;
    return Array.isArray(list) && list.map(obj).some((c) => c.type === 'Ready' && c.status === 'True');
  }).length;
  return { live, active, terminating, ready };
}

export function controllerJobRef(pod: KubeObject) {
  return pod.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === 'Job');
}

export function isTerminal(pod: KubeObject): boolean {
  const phase = obj(pod.status).phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
