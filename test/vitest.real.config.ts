import { defineProject } from 'vitest/config';

// The end-to-end scenarios again, on a real control plane (CLUSTER=real: etcd, kube-apiserver,
// kube-controller-manager and kube-real's node agent), with the watcher and workers authenticated as
// deploy/base's ServiceAccounts. The files here take their cluster from one fixture (@ambient-operator/testing);
// files that need kube-sim's fault hooks throughout run on kube-sim only.
export const REAL_CLUSTER_SCENARIOS = [
  'session-lifecycle.test.ts',
  'runner-outcomes.test.ts',
  'session-concurrency.test.ts',
  'session-spec-sync.test.ts',
  'project-settings.test.ts',
  'session-trigger.test.ts',
  'processes-e2e.test.ts',
  'local-stack.test.ts',
  'chaos-smoke.test.ts',
];

export default defineProject({
  test: {
    name: 'system-real',
    include: [...REAL_CLUSTER_SCENARIOS, '*.real.test.ts'],
    env: { CLUSTER: 'real' },
    // Builds the control plane once (cached) before any file starts its cluster.
    globalSetup: ['./real-cluster-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
});
