import { isDeepStrictEqual } from 'node:util';
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { buildRunnerNetworkPolicy, runnerPortsOf } from '../children/index.js';
import { createIfAbsent, readOrNull } from '../kube-ops.js';
import type { CommandContext } from './command-context.js';

/**
 * The namespace's `runner-allow-backend-only` policy, created or brought back to our spec and labels
 * (contract §3.5; upstream only ever created or blindly updated it). It is shared by every session of the
 * namespace, so it nearly always exists: read first (one request), create only when absent, replace only
 * when it drifted.
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
  const read = () => readOrNull(() => api.networking.readNamespacedNetworkPolicy({ namespace, name }));
  let current = await read();
  if (current === null) {
    if (await createIfAbsent(() => api.networking.createNamespacedNetworkPolicy({ namespace, body: wanted })))
      return;
    // Another session's reconcile created it meanwhile: judge theirs.
    current = await read();
    if (current === null) return;
  }
  const labels = { ...current.metadata?.labels, ...wanted.metadata?.labels };
  if (sameJson(current.spec, wanted.spec) && sameJson(current.metadata?.labels, labels)) return;
  await api.networking.replaceNamespacedNetworkPolicy({
    namespace,
    name,
    body: { ...current, metadata: { ...current.metadata, labels }, spec: wanted.spec },
  });
}

/** Equal as JSON: a key whose value is `undefined` in `wanted` is absent from what the server sent. */
function sameJson(
  a: Wire<V1NetworkPolicy>['spec'] | Record<string, string> | undefined,
  b: typeof a,
): boolean {
  const plain = (v: typeof a): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
  return isDeepStrictEqual(plain(a), plain(b));
}
