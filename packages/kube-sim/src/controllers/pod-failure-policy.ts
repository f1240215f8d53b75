import type { KubeObject } from '../types.js';
import { isPlainObject } from '../types.js';

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
  return isPlainObject(value) ? value : {};
}

/** What a Job's podFailurePolicy says about a failed pod: fail the Job, ignore the pod, or count it. */
export interface FailureVerdict {
  action: 'FailJob' | 'Ignore' | 'Count';
  message?: string;
}

/** Applies spec.podFailurePolicy rules (onExitCodes, onPodConditions) to a failed pod. */
export function evaluatePodFailurePolicy(job: KubeObject, pod: KubeObject): FailureVerdict {
  const policy = obj(obj(job.spec).podFailurePolicy);
  const rules = Array.isArray(policy.rules) ? policy.rules.map(obj) : [];
  // Upstream matches exit codes of regular and init containers (a sidecar stopped by the kubelet exits 0).
  const statuses = ['containerStatuses', 'initContainerStatuses'].flatMap((key) => {
    const list = obj(pod.status)[key];
    return Array.isArray(list) ? list.map(obj) : [];
  });
  const terminated = statuses
    .map((s) => ({ name: String(s.name), exitCode: obj(obj(s.state).terminated).exitCode }))
    .filter((s): s is { name: string; exitCode: number } => typeof s.exitCode === 'number');
  for (const [index, rule] of rules.entries()) {
    const action = String(rule.action) as FailureVerdict['action'];
    if (isPlainObject(rule.onExitCodes)) {
      const { containerName, operator, values } = rule.onExitCodes as {
        containerName?: string;
        operator?: string;
        values?: number[];
      };
      const match = terminated.find(
        (s) =>
          s.exitCode !== 0 &&
          (!containerName || containerName === s.name) &&
          (operator === 'In' ? (values ?? []).includes(s.exitCode) : !(values ?? []).includes(s.exitCode)),
      );
      if (match) {
        return {
          action,
          message: `Container ${match.name} for pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} failed with exit code ${match.exitCode} matching ${action} rule at index ${index}`,
        };
      }
    }
    if (Array.isArray(rule.onPodConditions)) {
      const podConditions = obj(pod.status).conditions;
      const list = Array.isArray(podConditions) ? podConditions.map(obj) : [];
      const matched = rule.onPodConditions
        .map(obj)
        .find((pc) => list.some((c) => c.type === pc.type && c.status === (pc.status ?? 'True')));
      if (matched) {
        return {
          action,
          message: `Pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} has condition ${String(matched.type)} matching ${action} rule at index ${index}`,
        };
      }
    }
  }
  return { action: 'Count' };
}
