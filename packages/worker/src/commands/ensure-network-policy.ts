import { isDeepStrictEqual } from 'node:util';
import { buildRunnerNetworkPolicy, runnerPortsOf } from '../children/index.js';
import { createIfAbsent } from '../kube-ops.js';
import type { CommandContext } from './command-context.js';

/**
 * The namespace's `runner-allow-backend-only` policy, created or brought back to our spec and labels
 * (contract §3.5; upstream only ever created or blindly updated it). Replaced through the typed client so
 * the model's `_from` is serialized as `from`, and only when it drifted.
 */
export async function ensureNetworkPolicy(ctx: CommandContext): Promise<void> {
  const { api, config, agentRegistry } = ctx.deps;
  const namespace = ctx.session.metadata.namespace;
  const wanted = buildRunnerNetworkPolicy({
    namespace,
    backendNamespace: config.namespaces.backend,
    operatorNamespace: config.namespaces.operator,
    ports: runnerPortsOf(await agentRegistry()),
  });
  const name = wanted.metadata?.name ?? '';
  if (await createIfAbsent(() => api.networking.createNamespacedNetworkPolicy({ namespace, body: wanted })))
    return;
  const current = await api.networking.readNamespacedNetworkPolicy({ namespace, name });
  const labels = { ...current.metadata?.labels, ...wanted.metadata?.labels };
  if (isDeepStrictEqual(current.spec, wanted.spec) && isDeepStrictEqual(current.metadata?.labels, labels))
    return;
  await api.networking.replaceNamespacedNetworkPolicy({
    namespace,
    name,
    body: { ...current, metadata: { ...current.metadata, labels }, spec: wanted.spec },
  });
}
