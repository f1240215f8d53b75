import { RetryableError } from '@ambient-operator/shared';
import { planCopiedSecret, platformSecretsToCopy } from '../children/index.js';
import { readOrNull } from '../kube-ops.js';
import type { CommandContext } from './command-context.js';
import { childSession } from './command-context.js';

/**
 * Copies the platform secrets the runner needs from BACKEND_NAMESPACE into the session namespace
 * (contract §3.2). A missing required one (Vertex) fails the reconcile so it is retried with backoff;
 * a missing optional one is only logged. A 409 on update surfaces as a conflict: the reconcile re-reads.
 */
export async function copyPlatformSecrets(ctx: CommandContext): Promise<void> {
  const { api, config, log } = ctx.deps;
  const session = childSession(ctx);
  const namespace = session.metadata.namespace;
  const copies = platformSecretsToCopy({
    vertexEnabled: config.vertex.enabled,
    langfuseEnabled: config.observability.langfuseEnabled,
    mlflowTracingEnabled: config.observability.mlflowTracingEnabled,
  });
  for (const copy of copies) {
    const source = await readOrNull(() =>
      api.core.readNamespacedSecret({ namespace: config.namespaces.backend, name: copy.name }),
    );
    if (source === null) {
      if (copy.required) {
        throw new RetryableError(
          `required secret ${config.namespaces.backend}/${copy.name} is missing`,
          'NOT_FOUND',
        );
      }
      log.warn({ secret: `${config.namespaces.backend}/${copy.name}` }, 'optional platform secret missing');
      continue;
    }
    if (config.namespaces.backend === namespace) continue; // already where the runner reads it
    const existing = await readOrNull(() => api.core.readNamespacedSecret({ namespace, name: copy.name }));
    const plan = planCopiedSecret({
      source,
      existing: existing ?? undefined,
      targetNamespace: namespace,
      owner: session,
    });
    if (plan.action === 'create') await api.core.createNamespacedSecret({ namespace, body: plan.secret });
    else if (plan.action === 'update')
      await api.core.replaceNamespacedSecret({ namespace, name: copy.name, body: plan.secret });
  }
}
