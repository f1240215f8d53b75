import type { V1RoleBinding } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import type { LeanRbacAuthorizationV1Api } from '@ambient-operator/shared';
import {
  MANAGED_LABEL,
  MANAGED_LABEL_VALUE,
  PROJECT_SETTINGS_NAME,
  TerminalError,
  isPathSegmentName,
  type GroupAccess,
} from '@ambient-operator/shared';
import { deleteIfPresent } from '../kube-ops.js';
import { ensureOwned, isInPlace, type EnsureOutcome } from './ensure-owned.js';
import {
  MANAGED_LABELS,
  isControlledByProjectSettings,
  projectSettingsOwnerReference,
  sameJson,
  type ProjectSettingsRef,
} from './ownership.js';
import { recordFailure, type StepFailure } from './step-failures.js';

// Group access (contract §8.2 step 1): a RoleBinding `<groupName>-<role>` per `spec.groupAccess` entry, to
// ClusterRole `ambient-project-<role>`. Unlike upstream (create-only, never pruned, no owner), the bindings are
// converged and pruned. How we find the ones we manage: the label pair below selects candidates, and only those
// whose controller ownerReference is the namespace's ProjectSettings are ever updated or deleted. A RoleBinding
// of the same name that we do not control (an admin's, or one the upstream operator created without an owner)
// is never touched: counted when it already grants the same, otherwise reported in the log.

/** Label naming the ProjectSettings that grants the binding (selects prune candidates). */
export const GROUP_ACCESS_LABEL = 'ambient-code.io/project-settings';

/** Labels on every group-access RoleBinding. */
export const GROUP_ACCESS_LABELS: Readonly<Record<string, string>> = {
  ...MANAGED_LABELS,
  [GROUP_ACCESS_LABEL]: PROJECT_SETTINGS_NAME,
};

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** `ambient-project-<admin|edit|view>`; an unknown role maps to view, as upstream. */
export function projectClusterRoleName(role: string): string {
  const lower = role.toLowerCase();
  return `ambient-project-${lower === 'admin' || lower === 'edit' ? lower : 'view'}`;
}

export function groupRoleBindingName(entry: GroupAccess): string {
  return `${entry.groupName}-${entry.role}`;
}

export function buildGroupRoleBinding(owner: ProjectSettingsRef, entry: GroupAccess): Wire<V1RoleBinding> {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: {
      name: groupRoleBindingName(entry),
      namespace: owner.namespace,
      labels: { ...GROUP_ACCESS_LABELS },
      ownerReferences: [projectSettingsOwnerReference(owner)],
    },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: projectClusterRoleName(entry.role) },
    subjects: [{ apiGroup: RBAC_GROUP, kind: 'Group', name: entry.groupName }],
  };
}

export interface GroupBindingsResult {
  /** Distinct bindings of the spec that are in place (ours, or an equivalent one we do not control). */
  inPlace: number;
  outcomes: Map<string, EnsureOutcome>;
  /** Names of bindings deleted because their entry left the spec. */
  pruned: string[];
}

/** Brings the namespace's group-access RoleBindings to `groupAccess`; failures are recorded, not thrown. */
export async function reconcileGroupRoleBindings(input: {
  rbac: LeanRbacAuthorizationV1Api;
  owner: ProjectSettingsRef;
  groupAccess: readonly GroupAccess[];
  failures: StepFailure[];
}): Promise<GroupBindingsResult> {
  const { rbac, owner, failures } = input;
  const { namespace } = owner;
  const wanted = new Map<string, Wire<V1RoleBinding>>();
  for (const entry of input.groupAccess) {
    const name = groupRoleBindingName(entry);
    if (!isPathSegmentName(name)) {
      failures.push({
        step: `RoleBinding ${namespace}/${name}`,
        error: new TerminalError(
          `group name "${entry.groupName}" gives an invalid RoleBinding name (no "/" or "%")`,
        ),
      });
      continue;
    }
    wanted.set(name, buildGroupRoleBinding(owner, entry));
  }

  const outcomes = new Map<string, EnsureOutcome>();
  for (const [name, desired] of wanted) {
    const outcome = await recordFailure(failures, `RoleBinding ${namespace}/${name}`, () =>
      ensureOwned<Wire<V1RoleBinding>>({
        describe: `RoleBinding ${namespace}/${name}`,
        owner,
        labels: GROUP_ACCESS_LABELS,
        desired,
        read: () => rbac.readNamespacedRoleBinding({ namespace, name }),
        create: (body) => rbac.createNamespacedRoleBinding({ namespace, body }),
        replace: (body) => rbac.replaceNamespacedRoleBinding({ namespace, name, body }),
        remove: (uid) =>
          rbac.deleteNamespacedRoleBinding({ namespace, name, body: { preconditions: { uid } } }),
        converged: (rb) => rb.subjects,
        immutable: (rb) => rb.roleRef,
        foreignIsCompatible: (rb) =>
          sameJson(rb.roleRef, desired.roleRef) && sameJson(rb.subjects, desired.subjects),
        withConverged: (actual, want) => ({ ...actual, subjects: want.subjects }),
      }),
    );
    if (outcome !== undefined) outcomes.set(name, outcome);
  }

  const pruned: string[] = [];
  await recordFailure(failures, `RoleBindings ${namespace} (prune)`, async () => {
    const existing = await rbac.listNamespacedRoleBinding({
      namespace,
      labelSelector: `${MANAGED_LABEL}=${MANAGED_LABEL_VALUE},${GROUP_ACCESS_LABEL}=${PROJECT_SETTINGS_NAME}`,
    });
    for (const rb of existing.items) {
      const name = rb.metadata?.name;
      if (!name || wanted.has(name) || !isControlledByProjectSettings(rb.metadata)) continue;
      const uid = rb.metadata?.uid;
      const removed = await recordFailure(failures, `RoleBinding ${namespace}/${name} (prune)`, () =>
        deleteIfPresent(() =>
          rbac.deleteNamespacedRoleBinding({ namespace, name, body: uid ? { preconditions: { uid } } : {} }),
        ),
      );
      if (removed) pruned.push(name);
    }
  });

  const inPlace = [...outcomes.values()].filter(isInPlace).length;
  return { inPlace, outcomes, pruned };
}
