import { isDeepStrictEqual } from 'node:util';
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { buildRunnerNetworkPolicy, runnerPortsOf } from '../children/index.js';
import { createOrNull, readOrNull } from '../kube-ops.js';
import { readRecent, recentKey } from '../recent-reads.js';
import type { CommandContext } from './command-context.js';

/**
 * The namespace's `runner-allow-backend-only` policy, created or brought back to our spec and labels
 * (contract §3.5; upstream only ever created or blindly updated it). It is shared by every session of the
 * namespace, so it nearly always exists: read first (one request), create only when absent, replace only
 * when it drifted. The policy this process found (or made) as wanted a moment ago is not read again
 * (recent-reads.ts): a burst of sessions in one namespace judged the same object once per reconcile.
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
  const key = recentKey('networkpolicies', namespace, name);
  const recent = ctx.deps.recentReads;
  const asWanted = (policy: Wire<V1NetworkPolicy>) =>
    sameJson(policy.spec, wanted.spec) &&
    sameJson(policy.metadata?.labels, { ...policy.metadata?.labels, ...wanted.metadata?.labels });
  let live = false;
  const read = () => {
    live = true;
    return readOrNull(() => api.networking.readNamespacedNetworkPolicy({ namespace, name }));
  };
  // Only a policy as wanted is kept; anything else is judged from a live read (a replace needs its resourceVersion).
  let current = await readRecent(recent, key, read, (policy) => policy !== null && asWanted(policy));
  if (current !== null && asWanted(current)) return;
  // Kept as wanted, no longer wanted so (the registry's ports changed): read what is there now.
  if (current !== null && !live) {
    current = await read();
    if (current !== null && asWanted(current)) return recent?.set(key, current);
  }
  if (current === null) {
    const created = await createOrNull(() =>
      api.networking.createNamespacedNetworkPolicy({ namespace, body: wanted }),
    );
    if (created !== null) return recent?.set(key, created);
    // Another session's reconcile created it meanwhile: judge theirs.
    current = await read();
    if (current === null) return;
    if (asWanted(current)) return recent?.set(key, current);
  }
  const labels = { ...current.metadata?.labels, ...wanted.metadata?.labels };
  const replaced = await api.networking.replaceNamespacedNetworkPolicy({
    namespace,
    name,
    body: { ...current, metadata: { ...current.metadata, labels }, spec: wanted.spec },
  });
  recent?.set(key, replaced);
}

/** Equal as JSON: a key whose value is `undefined` in `wanted` is absent from what the server sent. */
function sameJson(
  a: Wire<V1NetworkPolicy>['spec'] | Record<string, string> | undefined,
  b: typeof a,
): boolean {
  const plain = (v: typeof a): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
  return isDeepStrictEqual(plain(a), plain(b));
}
