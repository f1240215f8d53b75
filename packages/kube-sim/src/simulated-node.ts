import type { ResourceApi } from './resource-api.js';
import { nowRfc3339 } from './types.js';

/** The one node every pod is scheduled to. */
export const NODE_NAME = 'kube-sim-node';

/** Creates the Ready node `kube-sim-node` unless it exists (kubelets register their node). */
export function ensureNode(api: ResourceApi): void {
  const nodes = api.registry.byGroupResource('', 'nodes');
  if (!nodes || api.store.get(nodes.id, undefined, NODE_NAME)) return;
  const now = nowRfc3339();
  const created = api.create(nodes, undefined, {
    metadata: {
      name: NODE_NAME,
      labels: { 'kubernetes.io/hostname': NODE_NAME, 'kubernetes.io/os': 'linux' },
    },
    spec: {},
  });
  api.update(
    nodes,
    undefined,
    NODE_NAME,
    {
      ...created,
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
        addresses: [
          { type: 'InternalIP', address: '10.0.0.1' },
          { type: 'Hostname', address: NODE_NAME },
        ],
        capacity: { cpu: '8', memory: '32Gi', pods: '1000' },
        allocatable: { cpu: '8', memory: '32Gi', pods: '1000' },
        nodeInfo: {
          kubeletVersion: 'v1.32.0-kube-sim',
          operatingSystem: 'linux',
          architecture: 'amd64',
          containerRuntimeVersion: 'kube-sim://1',
        },
      },
    },
    { subresource: 'status' },
  );
}
