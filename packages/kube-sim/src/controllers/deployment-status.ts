import type { Obj } from '../pod-status.js';
import { obj } from '../pod-status.js';
import type { KubeObject } from '../types.js';
import { nowRfc3339 } from '../types.js';

/** `25%` of a total (rounded as the API server does for maxUnavailable: down), or a plain number. */
export function resolveIntOrPercent(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.endsWith('%')) {
    const exact = (total * Number(value.slice(0, -1))) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  }
  return 0;
}

function condition(previous: Obj[], next: Obj): Obj {
  const old = previous.find((c) => c.type === next.type);
  const now = nowRfc3339();
  const at = old && old.status === next.status && old.reason === next.reason ? old.lastTransitionTime : now;
  return {
    ...next,
    lastUpdateTime: old && old.message === next.message ? old.lastUpdateTime : now,
    lastTransitionTime: at,
  };
}

/**
 * A Deployment's status from its ReplicaSets, as the deployment controller computes it: replicas and
 * ready/available counts summed, `updatedReplicas` those of the ReplicaSet matching the current pod
 * template, `Available` (at least replicas − maxUnavailable available) and `Progressing`
 * (`NewReplicaSetAvailable` once the new ReplicaSet has every replica and no old pod is left).
 */
export function deploymentStatus(
  deployment: KubeObject,
  current: KubeObject | undefined,
  old: KubeObject[],
): Obj {
  const spec = obj(deployment.spec);
  const desired = Number(spec.replicas ?? 1);
  const counts = (rs: KubeObject | undefined, field: string) => Number(obj(rs?.status)[field] ?? 0);
  const all = [...(current ? [current] : []), ...old];
  const sum = (field: string) => all.reduce((total, rs) => total + counts(rs, field), 0);
  const replicas = sum('replicas');
  const available = sum('availableReplicas');
  const updated = counts(current, 'replicas');
  const maxUnavailable = resolveIntOrPercent(
    obj(obj(spec.strategy).rollingUpdate).maxUnavailable ?? '25%',
    desired,
    false,
  );
  const isAvailable = available >= desired - maxUnavailable;
  const complete =
    updated === desired && replicas === desired && counts(current, 'availableReplicas') >= desired;
  const previous = Array.isArray(obj(deployment.status).conditions)
    ? (obj(deployment.status).conditions as Obj[])
    : [];
  const currentName = current?.metadata.name ?? '';
  const status: Obj = {
    observedGeneration: deployment.metadata.generation ?? 1,
    replicas,
    updatedReplicas: updated,
    readyReplicas: sum('readyReplicas'),
    availableReplicas: available,
    conditions: [
      condition(previous, {
        type: 'Available',
        status: isAvailable ? 'True' : 'False',
        reason: isAvailable ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        message: isAvailable
          ? 'Deployment has minimum availability.'
          : 'Deployment does not have minimum availability.',
      }),
      condition(previous, {
        type: 'Progressing',
        status: 'True',
        reason: complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
        message: complete
          ? `ReplicaSet "${currentName}" has successfully progressed.`
          : `ReplicaSet "${currentName}" is progressing.`,
      }),
    ],
  };
  if (desired - available > 0) status.unavailableReplicas = desired - available;
  return status;
}
