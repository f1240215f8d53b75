import type { V1NetworkPolicy } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '@ambient-operator/shared';
import { PLATFORM_NAMES, RUNNER_LABELS } from './names.js';

/**
 * NetworkPolicy `runner-allow-backend-only`, one per namespace: runner pods accept ingress only from the
 * backend's namespace and the operator's (the worker calls `/repos/*` and `/workflow`; upstream's operator
 * ran in the backend's namespace, ours runs in a namespace of its own, deploy/base/namespace.yaml). Ports are every port a runner may use (`runnerPortsOf(registry)`), not a hard-coded
 * 8001 (§10.13). It has no ownerReference, as upstream: it outlives any one session and serves them all.
 */
export function buildRunnerNetworkPolicy(input: {
  namespace: string;
  backendNamespace: string;
  /** NAMESPACE, where the worker runs; the same peer as the backend's when they are equal. */
  operatorNamespace: string;
  /** Runner ports, e.g. runnerPortsOf(registry); sorted and de-duplicated here. */
  ports: readonly number[];
}): Wire<V1NetworkPolicy> {
  const ports = [...new Set(input.ports)].sort((a, b) => a - b);
  const peers = [...new Set([input.backendNamespace, input.operatorNamespace])];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: PLATFORM_NAMES.networkPolicy,
      namespace: input.namespace,
      labels: { [RUNNER_LABELS.appKey]: RUNNER_LABELS.serviceApp, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    },
    spec: {
      podSelector: { matchLabels: { [RUNNER_LABELS.appKey]: RUNNER_LABELS.runnerApp } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: peers.map((peer) => ({
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer } },
          })),
          ports: ports.map((port) => ({ protocol: 'TCP', port })),
        },
      ],
    },
  };
}
