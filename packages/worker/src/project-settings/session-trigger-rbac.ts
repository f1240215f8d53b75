import type { V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import type { LeanCoreV1Api, LeanRbacAuthorizationV1Api } from '@ambient-operator/shared';
import { AGENTIC_SESSION_PLURAL, CRD_GROUP } from '@ambient-operator/shared';
import { mergePatch } from '../kube-ops.js';
import { ensureOwned, isInPlace, type EnsureOutcome } from './ensure-owned.js';
import {
  MANAGED_LABELS,
  projectSettingsOwnerReference,
  sameJson,
  type ProjectSettingsRef,
} from './ownership.js';
import { recordFailure, type StepFailure } from './step-failures.js';

// Scheduled-session RBAC (contract §8.2 step 2): what the backend's CronJobs run as. ServiceAccount, Role and
// RoleBinding, all `ambient-session-trigger`, owned by the ProjectSettings. The Role grants exactly what
// `operator session-trigger` calls: create (new run), list (reuse lookup), get + update (resume).

export const SESSION_TRIGGER_NAME = 'ambient-session-trigger';
export const SESSION_TRIGGER_VERBS: readonly string[] = ['create', 'get', 'list', 'update'];

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function metadataFor(owner: ProjectSettingsRef) {
  return {
    name: SESSION_TRIGGER_NAME,
    namespace: owner.namespace,
    labels: { ...MANAGED_LABELS },
    ownerReferences: [projectSettingsOwnerReference(owner)],
  };
}

export function buildSessionTriggerServiceAccount(owner: ProjectSettingsRef): Wire<V1ServiceAccount> {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadataFor(owner) };
}

export function buildSessionTriggerRole(owner: ProjectSettingsRef): Wire<V1Role> {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'Role',
    metadata: metadataFor(owner),
    rules: [
      { apiGroups: [CRD_GROUP], resources: [AGENTIC_SESSION_PLURAL], verbs: [...SESSION_TRIGGER_VERBS] },
    ],
  };
}

export function buildSessionTriggerRoleBinding(owner: ProjectSettingsRef): Wire<V1RoleBinding> {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: metadataFor(owner),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: SESSION_TRIGGER_NAME },
    subjects: [{ kind: 'ServiceAccount', name: SESSION_TRIGGER_NAME, namespace: owner.namespace }],
  };
}

export interface SessionTriggerRbacResult {
  /** All three are in place and grant what the trigger needs. */
  ready: boolean;
  outcomes: Partial<Record<'ServiceAccount' | 'Role' | 'RoleBinding', EnsureOutcome>>;
}

/** Ensures the three objects; failures are recorded, not thrown. */
export async function reconcileSessionTriggerRbac(input: {
  core: LeanCoreV1Api;
  rbac: LeanRbacAuthorizationV1Api;
  owner: ProjectSettingsRef;
  failures: StepFailure[];
}): Promise<SessionTriggerRbacResult> {
  const { core, rbac, owner, failures } = input;
  const { namespace } = owner;
  const name = SESSION_TRIGGER_NAME;
  const ref = `${namespace}/${name}`;
  const outcomes: SessionTriggerRbacResult['outcomes'] = {};

  outcomes.ServiceAccount = await recordFailure(failures, `ServiceAccount ${ref}`, () =>
    ensureOwned<Wire<V1ServiceAccount>>({
      describe: `ServiceAccount ${ref}`,
      owner,
      labels: MANAGED_LABELS,
      desired: buildSessionTriggerServiceAccount(owner),
      read: () => core.readNamespacedServiceAccount({ namespace, name }),
      create: (body) => core.createNamespacedServiceAccount({ namespace, body }),
      // A merge patch of the metadata (RBAC grants the worker patch, not update, on ServiceAccounts).
      replace: (body) =>
        core.patchNamespacedServiceAccount(
          {
            namespace,
            name,
            body: {
              metadata: {
                resourceVersion: body.metadata?.resourceVersion,
                labels: body.metadata?.labels,
                ownerReferences: body.metadata?.ownerReferences,
              },
            },
          },
          mergePatch,
        ),
      // Nothing in a ServiceAccount's body is ours to converge (secrets/imagePullSecrets belong to others).
      converged: () => null,
      foreignIsCompatible: () => true,
      withConverged: (actual) => actual,
    }),
  );

  const role = buildSessionTriggerRole(owner);
  outcomes.Role = await recordFailure(failures, `Role ${ref}`, () =>
    ensureOwned<Wire<V1Role>>({
      describe: `Role ${ref}`,
      owner,
      labels: MANAGED_LABELS,
      desired: role,
      read: () => rbac.readNamespacedRole({ namespace, name }),
      create: (body) => rbac.createNamespacedRole({ namespace, body }),
      replace: (body) => rbac.replaceNamespacedRole({ namespace, name, body }),
      converged: (r) => r.rules,
      foreignIsCompatible: (r) => sameJson(r.rules, role.rules),
      withConverged: (actual, want) => ({ ...actual, rules: want.rules }),
    }),
  );

  const binding = buildSessionTriggerRoleBinding(owner);
  outcomes.RoleBinding = await recordFailure(failures, `RoleBinding ${ref}`, () =>
    ensureOwned<Wire<V1RoleBinding>>({
      describe: `RoleBinding ${ref}`,
      owner,
      labels: MANAGED_LABELS,
      desired: binding,
      read: () => rbac.readNamespacedRoleBinding({ namespace, name }),
      create: (body) => rbac.createNamespacedRoleBinding({ namespace, body }),
      replace: (body) => rbac.replaceNamespacedRoleBinding({ namespace, name, body }),
      remove: (uid) =>
        rbac.deleteNamespacedRoleBinding({ namespace, name, body: { preconditions: { uid } } }),
      converged: (rb) => rb.subjects,
      immutable: (rb) => rb.roleRef,
      foreignIsCompatible: (rb) =>
        sameJson(rb.roleRef, binding.roleRef) && sameJson(rb.subjects, binding.subjects),
      withConverged: (actual, want) => ({ ...actual, subjects: want.subjects }),
    }),
  );

  const all = [outcomes.ServiceAccount, outcomes.Role, outcomes.RoleBinding];
  return { ready: all.every((o) => o !== undefined && isInPlace(o)), outcomes };
}
