// A 409 on the status write of a kind on the generic reconcile loop (here an AgentTask) is handled inside the
// reconcile: the loop reads the object again and writes the fresh decision. It is not a failed run for the queue
// to retry (no `conflict` outcome is counted), and the task still runs to its end.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually, requireSim, startTestCluster, type TestCluster } from '@ambient-operator/testing';

const TASKS = { group: 'scheduler.ambient-code.io', version: 'v1alpha1', plural: 'agenttasks' };

describe('a 409 on a status write of a kind on the generic loop', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const conflicts = async () => {
    let total = 0;
    for (const worker of cluster.workers) {
      const metric = await worker.metrics.reconcileTotal.get();
      total += metric.values.find((v) => v.labels.outcome === 'conflict')?.value ?? 0;
    }
    return total;
  };

  test('an AgentTask whose first status write meets a 409 still succeeds, with no conflict left to the queue', async () => {
    const before = await conflicts();
    // The first status write (New → Pending) fails as if another writer got there first.
    requireSim(cluster).faults.failNext({ status: 409, verb: 'patch', resource: 'agenttasks/status' });
    await cluster.custom.createNamespacedCustomObject({
      ...TASKS,
      namespace: cluster.namespace,
      body: {
        apiVersion: 'scheduler.ambient-code.io/v1alpha1',
        kind: 'AgentTask',
        metadata: { name: 'conflicted' },
        spec: {
          prompt: 'Answer',
          timeoutSeconds: 30,
          env: [
            { name: 'SIM_RUN_SECONDS', value: '0.2' },
            { name: 'SIM_TERMINATION_MESSAGE', value: '{"answer":"42"}' },
          ],
        },
      },
    });
    const done = await eventually(
      async () =>
        (await cluster.custom.getNamespacedCustomObject({
          ...TASKS,
          namespace: cluster.namespace,
          name: 'conflicted',
        })) as { status?: { phase?: string } },
      (t) => t.status?.phase === 'Succeeded',
      'conflicted: Succeeded',
      60_000,
    );
    expect(done.status?.phase).toBe('Succeeded');
    expect(await conflicts()).toBe(before);
  });
});
