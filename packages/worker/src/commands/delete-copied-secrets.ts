import { platformSecretsToCopy, shouldDeleteCopiedSecret } from '../children/index.js';
import { deleteIfPresent } from '../kube-ops.js';
import { readOrNull } from '../kube-ops.js';
import { sessionApi } from '../session-resource.js';
import type { CommandContext } from './command-context.js';

/**
 * Deletes copied platform secrets once no other session of the namespace still needs them (contract §3.2).
 * The namespace's sessions are listed once for all secrets (upstream listed once per secret).
 */
export async function deleteCopiedSecrets(ctx: CommandContext): Promise<void> {
  const { api, config } = ctx.deps;
  const { namespace, name } = ctx.session.metadata;
  if (config.namespaces.backend === namespace) return; // never delete the originals
  const copies = platformSecretsToCopy({
    vertexEnabled: config.vertex.enabled,
    langfuseEnabled: config.observability.langfuseEnabled,
    mlflowTracingEnabled: config.observability.mlflowTracingEnabled,
  });
  if (copies.length === 0) return;
  const list = (await api.customObjects.listNamespacedCustomObject({ ...sessionApi, namespace })) as {
    items?: { metadata?: { name?: string }; status?: { phase?: string } }[];
  };
  const sessions = (list.items ?? []).map((s) => ({ name: s.metadata?.name ?? '', phase: s.status?.phase }));
  for (const copy of copies) {
    const secret = await readOrNull(() => api.core.readNamespacedSecret({ namespace, name: copy.name }));
    if (secret === null || !shouldDeleteCopiedSecret({ secret, sessions, currentSession: name })) continue;
    await deleteIfPresent(() => api.core.deleteNamespacedSecret({ namespace, name: copy.name }));
  }
}
