import type { V1LimitRange } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import type { LeanCoreV1Api } from '@ambient-operator/shared';
import { ensureOwned, isInPlace, type EnsureOutcome } from './ensure-owned.js';
import { MANAGED_LABELS, projectSettingsOwnerReference, type ProjectSettingsRef } from './ownership.js';
import { recordFailure, type StepFailure } from './step-failures.js';

// The project's default container resources (contract §8.2 step 3). Upstream created it once and never looked
// again; here it is converged while the ProjectSettings controls it. To tune it by hand, remove its
// ownerReference: an object we do not control is left alone (and still counts as ready).

export const DEFAULT_LIMIT_RANGE_NAME = 'ambient-default-limits';

/** Requests 250m CPU / 256Mi, limits 2 CPU / 4Gi, for containers that set none. */
export const DEFAULT_CONTAINER_LIMITS = {
  defaultRequest: { cpu: '250m', memory: '256Mi' },
  default: { cpu: '2', memory: '4Gi' },
} as const;

export function buildDefaultLimitRange(owner: ProjectSettingsRef): Wire<V1LimitRange> {
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: {
      name: DEFAULT_LIMIT_RANGE_NAME,
      namespace: owner.namespace,
      labels: { ...MANAGED_LABELS },
      ownerReferences: [projectSettingsOwnerReference(owner)],
    },
    spec: {
      limits: [
        {
          type: 'Container',
          defaultRequest: { ...DEFAULT_CONTAINER_LIMITS.defaultRequest },
          default: { ...DEFAULT_CONTAINER_LIMITS.default },
        },
      ],
    },
  };
}

export interface LimitRangeResult {
  ready: boolean;
  outcome?: EnsureOutcome;
}

export async function reconcileDefaultLimitRange(input: {
  core: LeanCoreV1Api;
  owner: ProjectSettingsRef;
  failures: StepFailure[];
}): Promise<LimitRangeResult> {
  const { core, owner, failures } = input;
  const { namespace } = owner;
  const name = DEFAULT_LIMIT_RANGE_NAME;
  const outcome = await recordFailure(failures, `LimitRange ${namespace}/${name}`, () =>
    ensureOwned<Wire<V1LimitRange>>({
      describe: `LimitRange ${namespace}/${name}`,
      owner,
      labels: MANAGED_LABELS,
      desired: buildDefaultLimitRange(owner),
      read: () => core.readNamespacedLimitRange({ namespace, name }),
      create: (body) => core.createNamespacedLimitRange({ namespace, body }),
      replace: (body) => core.replaceNamespacedLimitRange({ namespace, name, body }),
      converged: (lr) => lr.spec,
      foreignIsCompatible: () => true,
      withConverged: (actual, want) => ({ ...actual, ...(want.spec ? { spec: want.spec } : {}) }),
    }),
  );
  return { ready: outcome !== undefined && isInPlace(outcome), ...(outcome ? { outcome } : {}) };
}
