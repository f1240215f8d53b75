// ProjectSettings end to end (contract §8.1–8.2): watcher → queue (`ps:<ns>`) → worker, against kube-sim.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type V1ObjectMeta,
  type V1RoleBinding,
} from '@kubernetes/client-node';
import { createLogger, makeKubeClients } from '@ambient-operator/shared';
import {
  clusterKindFromEnv,
  eventually,
  requireSim,
  startTestCluster,
  type TestCluster,
} from '@ambient-operator/testing';
import { reconcileProjectSettings } from '@ambient-operator/worker';

const PS = {
  group: 'vteam.ambient-code',
  version: 'v1alpha1',
  plural: 'projectsettings',
  name: 'projectsettings',
};
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface ProjectSettingsObject {
  metadata: { uid: string; resourceVersion: string };
  spec: { groupAccess: { groupName: string; role: string }[]; inactivityTimeoutSeconds?: number };
  status?: { groupBindingsCreated?: number; scheduledSessionRBACReady?: boolean; limitRangeReady?: boolean };
}

describe('ProjectSettings of managed namespaces', () => {
  let cluster: TestCluster;
  let rbac: RbacAuthorizationV1Api;

  beforeAll(async () => {
    cluster = await startTestCluster();
    rbac = cluster.kc.makeApiClient(RbacAuthorizationV1Api);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const readSettings = async (namespace: string) =>
    (await cluster.custom.getNamespacedCustomObject({ ...PS, namespace })) as ProjectSettingsObject;
  const waitForSettings = (
    namespace: string,
    predicate: (ps: ProjectSettingsObject) => boolean,
    what: string,
  ) => eventually(() => readSettings(namespace), predicate, `ProjectSettings ${namespace}: ${what}`);
  const setGroupAccess = (namespace: string, groupAccess: { groupName: string; role: string }[]) =>
    cluster.custom.patchNamespacedCustomObject(
      { ...PS, namespace, body: { spec: { groupAccess } } },
      mergePatch,
    );
  const groupBindingNames = async (namespace: string) =>
    (await rbac.listNamespacedRoleBinding({ namespace })).items
      .map((rb) => rb.metadata?.name ?? '')
      .filter((name) => name !== 'ambient-session-trigger')
      .sort();
  const allReady = (ps: ProjectSettingsObject) =>
    ps.status?.scheduledSessionRBACReady === true && ps.status.limitRangeReady === true;

  /** Exactly one controller reference, to this ProjectSettings, without blockOwnerDeletion. */
  const expectOwnedBy = (metadata: V1ObjectMeta | undefined, ps: ProjectSettingsObject) => {
    expect(metadata?.labels?.['ambient-code.io/managed']).toBe('true');
    expect(JSON.parse(JSON.stringify(metadata?.ownerReferences))).toEqual([
      {
        apiVersion: 'vteam.ambient-code/v1alpha1',
        kind: 'ProjectSettings',
        name: 'projectsettings',
        uid: ps.metadata.uid,
        controller: true,
      },
    ]);
  };

  async function createNamespace(name: string, labels?: Record<string, string>) {
    await cluster.core.createNamespace({ body: { metadata: { name, ...(labels ? { labels } : {}) } } });
  }

  test('labelling a namespace managed creates its ProjectSettings (API defaults), LimitRange and trigger RBAC', async () => {
    await createNamespace('team-a');
    await cluster.core.patchNamespace(
      { name: 'team-a', body: { metadata: { labels: { 'ambient-code.io/managed': 'true' } } } },
      mergePatch,
    );
    const ps = await waitForSettings('team-a', allReady, 'status ready');
    expect(ps.spec).toEqual({ groupAccess: [], inactivityTimeoutSeconds: 86400 });
    expect(ps.status).toEqual({
      groupBindingsCreated: 0,
      scheduledSessionRBACReady: true,
      limitRangeReady: true,
    });

    const limits = await cluster.core.readNamespacedLimitRange({
      namespace: 'team-a',
      name: 'ambient-default-limits',
    });
    expectOwnedBy(limits.metadata, ps);
    expect(JSON.parse(JSON.stringify(limits.spec))).toEqual({
      limits: [
        {
          type: 'Container',
          defaultRequest: { cpu: '250m', memory: '256Mi' },
          _default: { cpu: '2', memory: '4Gi' },
        },
      ],
    });

    const sa = await cluster.core.readNamespacedServiceAccount({
      namespace: 'team-a',
      name: 'ambient-session-trigger',
    });
    expectOwnedBy(sa.metadata, ps);
    const role = await rbac.readNamespacedRole({ namespace: 'team-a', name: 'ambient-session-trigger' });
    expectOwnedBy(role.metadata, ps);
    expect(JSON.parse(JSON.stringify(role.rules))).toEqual([
      {
        apiGroups: ['vteam.ambient-code'],
        resources: ['agenticsessions'],
        verbs: ['create', 'get', 'list', 'update'],
      },
    ]);
    const binding = await rbac.readNamespacedRoleBinding({
      namespace: 'team-a',
      name: 'ambient-session-trigger',
    });
    expectOwnedBy(binding.metadata, ps);
    expect(binding.roleRef).toMatchObject({ kind: 'Role', name: 'ambient-session-trigger' });
    expect(binding.subjects).toEqual([
      expect.objectContaining({
        kind: 'ServiceAccount',
        name: 'ambient-session-trigger',
        namespace: 'team-a',
      }),
    ]);
  });

  test('a namespace created with the label gets one too; an unlabelled one is left alone even when its key comes', async () => {
    await createNamespace('team-b', { 'ambient-code.io/managed': 'true' });
    await createNamespace('not-managed');
    await waitForSettings('team-b', allReady, 'status ready');
    // The watcher never enqueues an unmanaged namespace; the reconciler checks again anyway.
    const report = await reconcileProjectSettings('ps:not-managed', {
      api: makeKubeClients(cluster.kc),
      log: createLogger({ level: 'silent' }),
    });
    expect(report).toEqual({ namespace: 'not-managed', result: 'absent' });
    await expect(readSettings('not-managed')).rejects.toMatchObject({ code: 404 });
    expect((await cluster.core.listNamespacedLimitRange({ namespace: 'not-managed' })).items).toEqual([]);
  });

  test('group RoleBindings follow spec edits both ways; bindings we did not create are never touched', async () => {
    const namespace = 'team-a';
    // An admin's own binding that happens to carry our labels, and one at a name the spec will ask for.
    const foreign = (name: string, clusterRole: string, group: string): V1RoleBinding => ({
      metadata: {
        name,
        labels: { 'ambient-code.io/managed': 'true', 'ambient-code.io/project-settings': 'projectsettings' },
      },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: foreign('legacy-edit', 'ambient-project-edit', 'legacy'),
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: foreign('qa-view', 'ambient-project-view', 'qa'),
    });

    await setGroupAccess(namespace, [
      { groupName: 'devs', role: 'edit' },
      { groupName: 'ops', role: 'admin' },
      { groupName: 'qa', role: 'view' },
    ]);
    const granted = await waitForSettings(
      namespace,
      (ps) => ps.status?.groupBindingsCreated === 3,
      '3 bindings',
    );
    expect(await groupBindingNames(namespace)).toEqual(['devs-edit', 'legacy-edit', 'ops-admin', 'qa-view']);
    const devs = await rbac.readNamespacedRoleBinding({ namespace, name: 'devs-edit' });
    expectOwnedBy(devs.metadata, granted);
    expect(devs.metadata?.labels?.['ambient-code.io/project-settings']).toBe('projectsettings');
    expect(devs.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'ambient-project-edit',
    });
    expect(devs.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' }]);
    // qa-view was already there and grants the same: counted, left as it was (no owner added).
    const qa = await rbac.readNamespacedRoleBinding({ namespace, name: 'qa-view' });
    expect(qa.metadata?.ownerReferences).toBeUndefined();

    // ops moves from admin to view, devs and qa leave the spec.
    await setGroupAccess(namespace, [{ groupName: 'ops', role: 'view' }]);
    await waitForSettings(namespace, (ps) => ps.status?.groupBindingsCreated === 1, '1 binding');
    await eventually(
      () => groupBindingNames(namespace),
      (names) => !names.includes('devs-edit'),
      'devs-edit pruned',
    );
    expect(await groupBindingNames(namespace)).toEqual(['legacy-edit', 'ops-view', 'qa-view']);
    const ops = await rbac.readNamespacedRoleBinding({ namespace, name: 'ops-view' });
    expect(ops.roleRef.name).toBe('ambient-project-view');

    // Someone edits a binding we own: it is brought back on the next reconcile of the namespace.
    await rbac.replaceNamespacedRoleBinding({
      namespace,
      name: 'ops-view',
      body: {
        ...ops,
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'intruders' }],
      },
    });
    await cluster.watcher.resyncNow();
    await eventually(
      () => rbac.readNamespacedRoleBinding({ namespace, name: 'ops-view' }),
      (rb) => rb.subjects?.[0]?.name === 'ops',
      'ops-view subjects restored',
    );

    await setGroupAccess(namespace, []);
    await waitForSettings(namespace, (ps) => ps.status?.groupBindingsCreated === 0, 'no binding');
    await eventually(
      () => groupBindingNames(namespace),
      (names) => !names.includes('ops-view'),
      'ops-view pruned',
    );
    expect(await groupBindingNames(namespace)).toEqual(['legacy-edit', 'qa-view']);
  });

  test('tampered children we own are restored: Role rules, a RoleBinding roleRef (re-created), LimitRange spec', async () => {
    const namespace = 'team-a';
    const ps = await waitForSettings(namespace, allReady, 'ready');
    const name = 'ambient-session-trigger';
    const role = await rbac.readNamespacedRole({ namespace, name });
    await rbac.replaceNamespacedRole({
      namespace,
      name,
      body: { ...role, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
    });
    // roleRef cannot change in place: swap the binding for one to another role that still claims our owner.
    const binding = await rbac.readNamespacedRoleBinding({ namespace, name });
    await rbac.deleteNamespacedRoleBinding({ namespace, name });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: {
          name,
          labels: binding.metadata?.labels,
          ownerReferences: binding.metadata?.ownerReferences,
        },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'ambient-project-admin',
        },
        subjects: binding.subjects,
      },
    });
    const limits = await cluster.core.readNamespacedLimitRange({ namespace, name: 'ambient-default-limits' });
    await cluster.core.replaceNamespacedLimitRange({
      namespace,
      name: 'ambient-default-limits',
      body: { ...limits, spec: { limits: [{ type: 'Container', _default: { cpu: '64' } }] } },
    });

    // Nothing watches these children: the periodic resync (here: now) brings them back.
    await cluster.watcher.resyncNow();
    await eventually(
      () => rbac.readNamespacedRole({ namespace, name }),
      (r) => r.rules?.[0]?.verbs?.join(',') === 'create,get,list,update',
      'Role rules restored',
    );
    const restored = await eventually(
      () => rbac.readNamespacedRoleBinding({ namespace, name }),
      (rb) => rb.roleRef.kind === 'Role',
      'RoleBinding re-created to the Role',
    );
    expect(restored.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name });
    expectOwnedBy(restored.metadata, ps);
    await eventually(
      () => cluster.core.readNamespacedLimitRange({ namespace, name: 'ambient-default-limits' }),
      (lr) =>
        lr.spec?.limits[0]?.defaultRequest?.['cpu'] === '250m' && lr.spec.limits[0]._default?.['cpu'] === '2',
      'LimitRange spec restored',
    );
  });

  // Needs kube-sim's fault hooks.
  test.skipIf(clusterKindFromEnv() === 'real')(
    'a failing step is reported in status, retried with backoff, and recovers; the other steps are unaffected',
    async () => {
      // Every create of a LimitRange fails three times (only this namespace is new, the others have theirs).
      const sim = requireSim(cluster);
      const creates = () => sim.requestCount({ verb: 'create', resource: 'limitranges' });
      const before = creates();
      sim.faults.failNext({ status: 500, verb: 'create', resource: 'limitranges', count: 3 });
      await createNamespace('team-c', { 'ambient-code.io/managed': 'true' });

      const degraded = await waitForSettings(
        'team-c',
        (ps) => ps.status?.scheduledSessionRBACReady === true && ps.status.limitRangeReady === false,
        'trigger RBAC ready, LimitRange not yet',
      );
      expect(degraded.status?.groupBindingsCreated).toBe(0);
      const recovered = await waitForSettings('team-c', allReady, 'LimitRange ready after retries');
      expect(creates() - before).toBeGreaterThanOrEqual(4);
      const limits = await cluster.core.readNamespacedLimitRange({
        namespace: 'team-c',
        name: 'ambient-default-limits',
      });
      expectOwnedBy(limits.metadata, recovered);
    },
  );

  test('a deleted ProjectSettings of a managed namespace comes back, and takes over its children', async () => {
    const before = await waitForSettings('team-b', allReady, 'ready');
    await cluster.custom.deleteNamespacedCustomObject({ ...PS, namespace: 'team-b' });
    const after = await waitForSettings(
      'team-b',
      (ps) => ps.metadata.uid !== before.metadata.uid && allReady(ps),
      're-created and ready',
    );
    const limits = await eventually(
      () => cluster.core.readNamespacedLimitRange({ namespace: 'team-b', name: 'ambient-default-limits' }),
      (lr) => lr.metadata?.ownerReferences?.[0]?.uid === after.metadata.uid,
      'LimitRange owned by the new ProjectSettings',
    );
    expectOwnedBy(limits.metadata, after);
    const sa = await eventually(
      () =>
        cluster.core.readNamespacedServiceAccount({ namespace: 'team-b', name: 'ambient-session-trigger' }),
      (o) => o.metadata?.ownerReferences?.[0]?.uid === after.metadata.uid,
      'ServiceAccount owned by the new ProjectSettings',
    );
    expectOwnedBy(sa.metadata, after);
  });

  test('lowering the project inactivity timeout stops an idle Running session that has no timeout of its own', async () => {
    await cluster.createSession('idle-project');
    await cluster.waitForSession('idle-project', (s) => s.status?.phase === 'Running', 'Running');
    // The previous test deleted this namespace's ProjectSettings: patch it once the worker has re-created it.
    await eventually(
      () =>
        cluster.custom.patchNamespacedCustomObject(
          { ...PS, namespace: cluster.namespace, body: { spec: { inactivityTimeoutSeconds: 1 } } },
          mergePatch,
        ),
      () => true,
      'the ProjectSettings patched',
    );
    const stopped = await cluster.waitForSession(
      'idle-project',
      (s) => s.status?.phase === 'Stopped',
      'Stopped',
    );
    expect(stopped.status?.stoppedReason).toBe('inactivity');
  });
});
