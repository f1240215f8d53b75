import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  GROUP,
  condition,
  eventually,
  startTestCluster,
  type SessionObject,
  type TestCluster,
} from '@ambient-operator/testing';

// Cutover from the Go operator (docs/cutover.md): a cluster holds sessions it started, with exactly the
// objects it creates (upstream-contract.md §3): a bare Pod `<n>-runner` (no Job) owned by the session,
// labels agentic-session/app, init-hydrate + runner + state-sync as an ordinary container; a Service
// `session-<n>` owned by that Pod; the runner token Secret and ServiceAccount; status Running. Our
// operator starts on it (the namespace becomes managed once everything is in place).

const NS = 'legacy';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ worker: { machine: { runnerRecreationBackoffMs: 50 } } });
  await cluster.core.createNamespace({ body: { metadata: { name: NS } } });
  // The backend refuses to create sessions without it (contract §8.4), so every platform project has it.
  await cluster.core.createNamespacedSecret({
    namespace: NS,
    body: { metadata: { name: 'ambient-runner-secrets' }, stringData: { ANTHROPIC_API_KEY: 'sk-test' } },
  });
  await eventually(
    () => cluster.core.readNamespacedServiceAccount({ namespace: NS, name: 'default' }),
    () => true,
    'default ServiceAccount',
  );
});
afterAll(async () => {
  await cluster?.stop();
});

const getSession = async (name: string) =>
  (await cluster.custom.getNamespacedCustomObject({ ...GROUP, namespace: NS, name })) as SessionObject;
const waitForSession = (name: string, predicate: (s: SessionObject) => boolean, what: string) =>
  eventually(() => getSession(name), predicate, `${name}: ${what}`, 30_000);
const annotate = (name: string, annotations: Record<string, string>) =>
  cluster.custom.patchNamespacedCustomObject(
    { ...GROUP, namespace: NS, name, body: { metadata: { annotations } } },
    mergePatch,
  );
const readJob = (name: string) =>
  cluster.batch.readNamespacedJob({ namespace: NS, name: `${name}-runner` }).catch(() => null);
const readService = (name: string) =>
  cluster.core.readNamespacedService({ namespace: NS, name: `session-${name}` }).catch(() => null);
const readBarePod = (name: string) =>
  cluster.core.readNamespacedPod({ namespace: NS, name: `${name}-runner` }).catch(() => null);

/** What the Go operator leaves behind for a Running session (contract §3.1, §3.3, §3.4). */
async function seedGoSession(name: string, runnerEnv: Record<string, string> = {}): Promise<void> {
  const session = (await cluster.custom.createNamespacedCustomObject({
    ...GROUP,
    namespace: NS,
    body: {
      apiVersion: 'vteam.ambient-code/v1alpha1',
      kind: 'AgenticSession',
      metadata: {
        name,
        annotations: {
          'ambient-code.io/runner-token-secret': `ambient-runner-token-${name}`,
          'ambient-code.io/runner-sa': `ambient-session-${name}`,
        },
      },
      spec: { initialPrompt: 'hello', displayName: name },
    },
  })) as SessionObject;
  const startTime = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  await cluster.custom.patchNamespacedCustomObjectStatus(
    {
      ...GROUP,
      namespace: NS,
      name,
      body: {
        status: {
          phase: 'Running',
          startTime,
          observedGeneration: 1,
          conditions: [
            { type: 'PodCreated', status: 'True', reason: 'PodCreated', lastTransitionTime: startTime },
            {
              type: 'RunnerStarted',
              status: 'True',
              reason: 'ContainerRunning',
              lastTransitionTime: startTime,
            },
            { type: 'Ready', status: 'True', reason: 'Running', lastTransitionTime: startTime },
          ],
        },
      },
    },
    mergePatch,
  );
  const owner = {
    apiVersion: 'vteam.ambient-code/v1alpha1',
    kind: 'AgenticSession',
    name,
    uid: session.metadata.uid,
    controller: true,
  };
  await cluster.core.createNamespacedServiceAccount({
    namespace: NS,
    body: {
      metadata: {
        name: `ambient-session-${name}`,
        labels: { app: 'ambient-runner' },
        ownerReferences: [owner],
      },
    },
  });
  await cluster.core.createNamespacedSecret({
    namespace: NS,
    body: {
      metadata: {
        name: `ambient-runner-token-${name}`,
        labels: { app: 'ambient-runner-token' },
        annotations: {
          'ambient-code.io/token-refreshed-at': new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
        ownerReferences: [owner],
      },
      stringData: { 'k8s-token': 'token', 'agui-token': 'agui' },
    },
  });
  const env = Object.entries(runnerEnv).map(([key, value]) => ({ name: key, value }));
  const labels = { 'agentic-session': name, app: 'ambient-code-runner' };
  const pod: V1Pod = {
    metadata: { name: `${name}-runner`, labels, ownerReferences: [owner] },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 60,
      automountServiceAccountToken: false,
      initContainers: [
        {
          name: 'init-hydrate',
          image: 'quay.io/ambient_code/vteam_state_sync:latest',
          command: ['/usr/local/bin/hydrate.sh'],
        },
      ],
      containers: [
        {
          name: 'ambient-code-runner',
          image: 'quay.io/ambient_code/vteam_claude_runner:latest',
          ports: [{ name: 'agui', containerPort: 8001 }],
          env,
        },
        {
          name: 'state-sync',
          image: 'quay.io/ambient_code/vteam_state_sync:latest',
          command: ['/usr/local/bin/sync.sh'],
        },
      ],
    },
  };
  const created = await cluster.core.createNamespacedPod({ namespace: NS, body: pod });
  await cluster.core.createNamespacedService({
    namespace: NS,
    body: {
      metadata: {
        name: `session-${name}`,
        labels: { app: 'ambient-code', 'agentic-session': name },
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'Pod',
            name: `${name}-runner`,
            uid: created.metadata!.uid!,
            controller: true,
          },
        ],
      },
      spec: { selector: labels, ports: [{ name: 'agui', protocol: 'TCP', port: 8001, targetPort: 8001 }] },
    },
  });
  await eventually(
    () => readBarePod(name),
    (p) => p?.status?.phase === 'Running',
    `${name}-runner Running`,
  );
}

/** Our operator takes over the namespace (it skips namespaces without the managed label, as upstream). */
async function manage(): Promise<void> {
  await cluster.core.patchNamespace(
    { name: NS, body: { metadata: { labels: { 'ambient-code.io/managed': 'true' } } } },
    mergePatch,
  );
}

/** The Service is owned by the session alone: a reconcile has adopted the Go operator's objects. */
const ownedBySession = async (name: string) => {
  const service = await readService(name);
  const uid = (await getSession(name)).metadata.uid;
  const owners = service?.metadata?.ownerReferences ?? [];
  return owners.length === 1 && owners[0]?.uid === uid && owners[0]?.controller === true;
};

describe('cutover from the Go operator', () => {
  beforeAll(async () => {
    await seedGoSession('adopted');
    await seedGoSession('exits', {
      SIM_TARGET_CONTAINER: 'ambient-code-runner',
      SIM_RUN_SECONDS: '4',
      SIM_EXIT_CODE: '3',
    });
    await seedGoSession('stopped-later');
    await manage();
  });

  test('the bare runner pod is adopted: no Job beside it, still Running, its Service re-owned by the session', async () => {
    await eventually(() => ownedBySession('adopted'), Boolean, 'Service owned by the session');
    expect(await readJob('adopted')).toBeNull();
    expect((await readBarePod('adopted'))?.metadata?.deletionTimestamp).toBeUndefined();
    const session = await getSession('adopted');
    expect(session.status?.phase).toBe('Running');
    expect(session.status?.runnerRecreations ?? 0).toBe(0);
    const pods = await cluster.core.listNamespacedPod({
      namespace: NS,
      labelSelector: 'agentic-session=adopted',
    });
    expect(pods.items.map((p) => p.metadata?.name)).toEqual(['adopted-runner']);
  });

  test('deleted, the bare pod is re-created as our Job (counted), and the Service survives the pod', async () => {
    await eventually(() => ownedBySession('adopted'), Boolean, 'Service owned by the session');
    await cluster.core.deleteNamespacedPod({ namespace: NS, name: 'adopted-runner', gracePeriodSeconds: 0 });
    const recreated = await waitForSession(
      'adopted',
      (s) => (s.status?.runnerRecreations ?? 0) === 1 && s.status?.phase === 'Running',
      'runner re-created and Running',
    );
    expect(recreated.status?.phaseHistory).toEqual(
      expect.arrayContaining([expect.objectContaining({ from: 'Running', reason: 'RunnerJobDeleted' })]),
    );
    expect(await readJob('adopted')).not.toBeNull();
    expect(await readService('adopted')).not.toBeNull();
    expect(await ownedBySession('adopted')).toBe(true);
  });

  test('a runner exiting non-zero fails the session with the reason, and the bare pod is removed', async () => {
    const done = await waitForSession('exits', (s) => s.status?.phase === 'Failed', 'Failed');
    expect(condition(done, 'Ready')).toMatchObject({ status: 'False', reason: 'RunnerExit' });
    expect(condition(done, 'Ready')?.message).toMatch(/exited with code 3/);
    await eventually(
      () => readBarePod('exits'),
      (p) => p === null,
      'exits-runner deleted',
    );
    expect(await readJob('exits')).toBeNull();
  });

  test('stop deletes the bare pod and its Service; resume starts our Job', async () => {
    await eventually(() => ownedBySession('stopped-later'), Boolean, 'Service owned by the session');
    await annotate('stopped-later', { 'ambient-code.io/desired-phase': 'Stopped' });
    const stopped = await waitForSession('stopped-later', (s) => s.status?.phase === 'Stopped', 'Stopped');
    expect(stopped.status?.stoppedReason).toBe('user');
    expect(await readBarePod('stopped-later')).toBeNull();
    expect(await readService('stopped-later')).toBeNull();
    await annotate('stopped-later', { 'ambient-code.io/desired-phase': 'Running' });
    await waitForSession('stopped-later', (s) => s.status?.phase === 'Running', 'Running again');
    expect(await readJob('stopped-later')).not.toBeNull();
    expect(await readService('stopped-later')).not.toBeNull();
  });
});
