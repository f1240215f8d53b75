import type { V1RoleBinding } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { RetryableError } from '@ambient-operator/shared';
import { createIfAbsent, deleteIfPresent, mergePatch } from '../kube-ops.js';
import { readOrNull } from '../kube-ops.js';
import type { ApiReconcileDeps } from './api-deps.js';
import { API_PROJECT_SETTINGS_ID_LABEL, planGroupBindings } from './project-mapping.js';

async function ensureBinding(binding: Wire<V1RoleBinding>, deps: ApiReconcileDeps): Promise<void> {
  const name = binding.metadata!.name!;
  const namespace = binding.metadata!.namespace!;
  const current = await readOrNull(() => deps.kube.rbac.readNamespacedRoleBinding({ name, namespace }));
  if (current && JSON.stringify(current.roleRef) !== JSON.stringify(binding.roleRef)) {
    // roleRef is immutable: a changed role replaces the binding.
    await deleteIfPresent(() => deps.kube.rbac.deleteNamespacedRoleBinding({ name, namespace }));
  } else if (current) {
    if (JSON.stringify(current.subjects) !== JSON.stringify(binding.subjects))
      await deps.kube.rbac.patchNamespacedRoleBinding(
        { name, namespace, body: { subjects: binding.subjects } },
        mergePatch,
      );
    return;
  }
  await createIfAbsent(() => deps.kube.rbac.createNamespacedRoleBinding({ namespace, body: binding }));
}

/** Deletes the bindings these settings made earlier that the plan no longer has (a changed role or group). */
async function pruneBindings(
  id: string,
  namespace: string,
  keep: Set<string>,
  deps: ApiReconcileDeps,
): Promise<void> {
  const list = await deps.kube.rbac.listNamespacedRoleBinding({
    namespace,
    labelSelector: `${API_PROJECT_SETTINGS_ID_LABEL}=${id}`,
  });
  for (const rb of list.items) {
    const name = rb.metadata?.name;
    if (name && !keep.has(name))
      await deleteIfPresent(() => deps.kube.rbac.deleteNamespacedRoleBinding({ name, namespace }));
  }
}

/**
 * Project settings give group RoleBindings in the project's namespace; a changed role replaces its
 * binding. Invalid JSON or entries only warn and change nothing, so a typo never removes access. The
 * namespace comes from the project's reconcile: until it exists this retries with the queue's backoff.
 */
export async function reconcileApiProjectSettings(id: string, deps: ApiReconcileDeps): Promise<void> {
  const settings = await deps.ambient.get('project_settings', id);
  if (!settings) return;
  const namespace = settings.project_id.toLowerCase();
  const plan = planGroupBindings(settings, namespace);
  for (const warning of plan.warnings)
    deps.log.warn({ id, project: settings.project_id, warning }, 'project settings');
  if (plan.bindings.length === 0) return;
  if (!(await readOrNull(() => deps.kube.core.readNamespace({ name: namespace }))))
    throw new RetryableError(`namespace ${namespace} of project ${settings.project_id} does not exist yet`);
  for (const binding of plan.bindings) await ensureBinding(binding, deps);
  if (plan.warnings.length === 0)
    await pruneBindings(id, namespace, new Set(plan.bindings.map((b) => b.metadata!.name!)), deps);
}
