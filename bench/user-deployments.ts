// UserDeployment benchmarks: create → Running (two services, three pods, every Deployment rolled out) and
// delete → gone (namespace removed, finalizer released, CR gone), one UserDeployment at a time on an idle
// in-process cluster (kube-sim with its Deployment/ReplicaSet controllers, watcher and two workers).
import { startTestCluster, type TestCluster } from '@ambient-operator/testing';
import { pollUntil, type BenchOptions, type BenchResults } from './measure.js';

const UD = {
  group: 'scheduler.ambient-code.io',
  version: 'v1alpha1',
  namespace: 'demo',
  plural: 'userdeployments',
};
const TEMPLATE = `services:
  - { name: web, image: shop/web:1, port: 8080, replicas: 2, expose: public }
  - { name: api, image: shop/api:1, port: 9000, expose: internal }
`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function phaseOf(cluster: TestCluster, name: string): Promise<string | null | undefined> {
  try {
    const ud = (await cluster.custom.getNamespacedCustomObject({ ...UD, name })) as {
      status?: { phase?: string };
    };
    return ud.status?.phase;
  } catch {
    return null; // gone
  }
}

/** One at a time: create → Running, then delete → the CR (and so its namespace) gone. */
async function lifecycles(
  cluster: TestCluster,
  n: number,
): Promise<{ toRunning: number[]; toGone: number[] }> {
  const toRunning: number[] = [];
  const toGone: number[] = [];
  for (let i = 0; i < n; i++) {
    const name = `bench-${i}`;
    let started = performance.now();
    await cluster.custom.createNamespacedCustomObject({
      ...UD,
      body: {
        apiVersion: 'scheduler.ambient-code.io/v1alpha1',
        kind: 'UserDeployment',
        metadata: { name },
        spec: { template: { configMapRef: { name: 'bench-template' } } },
      },
    });
    await pollUntil(async () => (await phaseOf(cluster, name)) === 'Running', `${name} was not Running`, 5);
    toRunning.push(performance.now() - started);
    started = performance.now();
    await cluster.custom.deleteNamespacedCustomObject({ ...UD, name });
    await pollUntil(async () => (await phaseOf(cluster, name)) === null, `${name} was not gone`, 5);
    toGone.push(performance.now() - started);
  }
  return { toRunning: toRunning.sort((a, b) => a - b), toGone: toGone.sort((a, b) => a - b) };
}

export async function benchUserDeployments(opts: BenchOptions): Promise<BenchResults> {
  const cluster = await startTestCluster({ workers: 2 });
  try {
    await cluster.core.createNamespacedConfigMap({
      namespace: 'demo',
      body: {
        metadata: { name: 'bench-template', labels: { 'scheduler.ambient-code.io/template': 'true' } },
        data: { 'template.yaml': TEMPLATE },
      },
    });
    const { toRunning, toGone } = await lifecycles(cluster, opts.quick ? 3 : 10);
    return {
      user_deployment_create_to_running_p50_ms: {
        value: Math.round(percentile(toRunning, 50)),
        unit: 'ms',
        note: `two services, three pods; ${toRunning.length} UserDeployments one at a time`,
      },
      user_deployment_create_to_running_p95_ms: { value: Math.round(percentile(toRunning, 95)), unit: 'ms' },
      user_deployment_delete_to_gone_p50_ms: {
        value: Math.round(percentile(toGone, 50)),
        unit: 'ms',
        note: 'namespace deleted, finalizer released, CR gone',
      },
      user_deployment_delete_to_gone_p95_ms: { value: Math.round(percentile(toGone, 95)), unit: 'ms' },
    };
  } finally {
    await cluster.stop();
  }
}
