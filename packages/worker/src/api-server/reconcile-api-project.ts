import type { V1Namespace } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { TerminalError } from '@ambient-operator/shared';
import { createIfAbsent, mergePatch } from '../kube-ops.js';
import { readOrNull } from '../kube-ops.js';
import type { ApiReconcileDeps } from './api-deps.js';
import { isValidProjectNamespace, projectNamespaceLabels, projectNamespaceName } from './project-mapping.js';

/** Creates the namespace with the managed labels, or adds the labels it lacks (others are kept). */
export async function ensureProjectNamespace(
  name: string,
  projectId: string | undefined,
  deps: ApiReconcileDeps,
): Promise<void> {
  const labels = projectNamespaceLabels(projectId ?? name);
  const current = await readOrNull(() => deps.kube.core.readNamespace({ name }));
  if (!current) {
    await createIfAbsent(() => deps.kube.core.createNamespace({ body: { metadata: { name, labels } } }));
    return;
  }
  const missing = Object.fromEntries(
    Object.entries(labels).filter(([k, v]) => current.metadata?.labels?.[k] !== v),
  );
  if (Object.keys(missing).length === 0) return;
  const body: Wire<V1Namespace> = { metadata: { labels: missing } };
  await deps.kube.core.patchNamespace({ name, body }, mergePatch);
}

/** A project gives its labelled namespace; a deleted project keeps it (as upstream: sessions' data lives there). */
export async function reconcileApiProject(id: string, deps: ApiReconcileDeps): Promise<void> {
  const project = await deps.ambient.get('projects', id);
  if (!project) return;
  const namespace = projectNamespaceName(project);
  if (!isValidProjectNamespace(namespace))
    throw new TerminalError(`project ${id}: namespace "${namespace}" is not a DNS-1123 label`);
  await ensureProjectNamespace(namespace, project.id, deps);
}
