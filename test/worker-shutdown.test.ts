import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runnerServiceAccountName } from '@ambient-operator/shared';
import { eventually, requireSim, startTestCluster, type TestCluster } from '@ambient-operator/testing';

describe('graceful worker shutdown', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('close() waits for the reconcile in flight to finish its status write', async () => {
    // The namespace's own reconcile (ps:demo, at start-up) is done first, so the one in flight below is the session's.
    await eventually(
      async () =>
        (await cluster.custom.getNamespacedCustomObject({
          group: 'vteam.ambient-code',
          version: 'v1alpha1',
          plural: 'projectsettings',
          namespace: cluster.namespace,
          name: 'projectsettings',
        })) as { status?: { limitRangeReady?: boolean } },
      (ps) => ps.status?.limitRangeReady === true,
      'the namespace reconciled',
    );
    await eventually(
      async () => cluster.worker.running(),
      (n) => n === 0,
      'no reconcile in flight',
    );
    // Slow API: a reconcile of a new session takes a few seconds, long enough to close in the middle.
    requireSim(cluster).faults.configure({ latencyMs: 150 });
    await cluster.createSession('inflight');
    // The session's own reconcile is mid-way (it created the runner's ServiceAccount, one of the children it makes
    // before its status write) — not some other key's, which close() would wait for instead.
    await eventually(
      async () =>
        cluster.core
          .readNamespacedServiceAccount({
            namespace: cluster.namespace,
            name: runnerServiceAccountName('inflight'),
          })
          .then(() => true)
          .catch(() => false),
      (exists) => exists && cluster.worker.running() > 0,
      "the session's reconcile in flight",
    );
    await cluster.worker.close();
    expect(cluster.worker.running()).toBe(0);
    requireSim(cluster).faults.configure({ latencyMs: 0 });
    const session = await cluster.getSession('inflight');
    // The reconcile that was running completed: its first decision (None → Pending → Creating) was written.
    expect(session.status?.phase).toBe('Creating');
  });
});
