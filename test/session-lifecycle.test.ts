import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RbacAuthorizationV1Api, type V1ObjectMeta } from '@kubernetes/client-node';
import { GROUP, condition, eventually, startTestCluster, type TestCluster } from '@ambient-operator/testing';

describe('session lifecycle against kube-sim', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('a new session gets its runner Job, Service and token, and reaches Running', async () => {
    await cluster.createSession('s1');
    const running = await cluster.waitForSession('s1', (s) => s.status?.phase === 'Running', 'Running');
    expect(running.status?.startTime).toBeDefined();
    expect(condition(running, 'Ready')).toMatchObject({ status: 'True' });
    expect(condition(running, 'RunnerStarted')).toMatchObject({ status: 'True' });
    expect(running.metadata.annotations?.['ambient-code.io/runner-sa']).toBe('ambient-session-s1');

    const job = await cluster.batch.readNamespacedJob({ namespace: 'demo', name: 's1-runner' });
    expect(job.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'AgenticSession', name: 's1', controller: true }),
    ]);
    expect(job.metadata?.ownerReferences?.[0]?.blockOwnerDeletion).toBeUndefined();
    const service = await cluster.core.readNamespacedService({ namespace: 'demo', name: 'session-s1' });
    expect(service.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'AgenticSession', name: 's1' });
    const token = await cluster.core.readNamespacedSecret({
      namespace: 'demo',
      name: 'ambient-runner-token-s1',
    });
    expect(Object.keys(token.data ?? {}).sort()).toEqual(['agui-token', 'k8s-token']);
  });

  test('stop → Stopping → Stopped with the runner and Service removed; restart resumes', async () => {
    await cluster.createSession('s2');
    await cluster.waitForSession('s2', (s) => s.status?.phase === 'Running', 'Running');
    await cluster.annotate('s2', { 'ambient-code.io/desired-phase': 'Stopped' });
    const stopped = await cluster.waitForSession('s2', (s) => s.status?.phase === 'Stopped', 'Stopped');
    expect(stopped.status?.stoppedReason).toBe('user');
    expect(stopped.status?.completionTime).toBeDefined();
    expect(stopped.metadata.annotations?.['ambient-code.io/desired-phase']).toBeUndefined();
    const pods = await cluster.core.listNamespacedPod({
      namespace: 'demo',
      labelSelector: 'agentic-session=s2',
    });
    expect(pods.items).toEqual([]);
    await expect(
      cluster.batch.readNamespacedJob({ namespace: 'demo', name: 's2-runner' }),
    ).rejects.toMatchObject({ code: 404 });
    await expect(
      cluster.core.readNamespacedService({ namespace: 'demo', name: 'session-s2' }),
    ).rejects.toMatchObject({ code: 404 });

    await cluster.annotate('s2', { 'ambient-code.io/desired-phase': 'Running' });
    await cluster.waitForSession(
      's2',
      (s) => s.status?.phase === 'Running' && !s.status.completionTime,
      'Running again',
    );
    const job = await cluster.batch.readNamespacedJob({ namespace: 'demo', name: 's2-runner' });
    const env = job.spec?.template.spec?.containers.find((c) => c.name === 'ambient-code-runner')?.env ?? [];
    expect(env.find((e) => e.name === 'IS_RESUME')?.value).toBe('true');
  });

  test('a name whose Service name would be too long fails with a clear condition and creates nothing', async () => {
    const name = 'x'.repeat(60);
    await cluster.createSession(name);
    const failed = await cluster.waitForSession(name, (s) => s.status?.phase === 'Failed', 'Failed');
    expect(JSON.stringify(failed.status?.conditions)).toContain('session-');
    const jobs = await cluster.batch.listNamespacedJob({
      namespace: 'demo',
      labelSelector: `agentic-session=${name}`,
    });
    expect(jobs.items).toEqual([]);
  });

  test('deleting the session leaves no children behind, of any kind', async () => {
    const created = await cluster.createSession('s3');
    await cluster.waitForSession('s3', (s) => s.status?.phase === 'Running', 'Running');
    const rbac = cluster.kc.makeApiClient(RbacAuthorizationV1Api);
    const uid = created.metadata.uid;
    // Everything the session owns, plus the runner pods (owned by its Job).
    const children = async () => {
      const ns = { namespace: 'demo' };
      const lists = await Promise.all([
        cluster.batch.listNamespacedJob(ns),
        cluster.core.listNamespacedService(ns),
        cluster.core.listNamespacedSecret(ns),
        cluster.core.listNamespacedServiceAccount(ns),
        rbac.listNamespacedRole(ns),
        rbac.listNamespacedRoleBinding(ns),
      ]);
      const owned = lists
        .flatMap((list) => list.items as { kind?: string; metadata?: V1ObjectMeta }[])
        .filter((o) => o.metadata?.ownerReferences?.some((ref) => ref.uid === uid));
      const pods = await cluster.core.listNamespacedPod({ ...ns, labelSelector: 'agentic-session=s3' });
      return [...owned, ...pods.items].map((o) => o.metadata?.name ?? '?').sort();
    };
    expect(await children()).toEqual(
      expect.arrayContaining([
        's3-runner',
        'session-s3',
        'ambient-runner-token-s3',
        'ambient-session-s3',
        'ambient-session-s3-role',
        'ambient-session-s3-rb',
      ]),
    );
    await cluster.custom.deleteNamespacedCustomObject({ ...GROUP, namespace: 'demo', name: 's3' });
    await eventually(children, (left) => left.length === 0, 'no children of s3');
  });
});
