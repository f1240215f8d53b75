import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  clusterKindFromEnv,
  condition,
  eventually,
  requireSim,
  startTestCluster,
  type SessionObject,
  type TestCluster,
} from '@ambient-operator/testing';

// The runner's behaviour is scripted through kube-sim's SIM_* env, aimed at the runner container only
// (the operator copies a session's env into every container of the pod).
const runner = (env: Record<string, string>) => ({
  environmentVariables: { SIM_TARGET_CONTAINER: 'ambient-code-runner', ...env },
});

const terminal = (s: SessionObject) => ['Completed', 'Failed', 'Stopped'].includes(s.status?.phase ?? '');

describe('the runner is observed while Running (architecture §3)', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster({ worker: { machine: { runnerRecreationBackoffMs: 50 } } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('exit 0 → Completed, runner removed', async () => {
    // Long enough for a reconcile to see it Running first, even on a loaded machine (the real cluster once
    // went Creating → Completed with a 0.3 s run).
    await cluster.createSession('ok', runner({ SIM_RUN_SECONDS: '2', SIM_EXIT_CODE: '0' }));
    const done = await cluster.waitForSession('ok', terminal, 'a terminal phase');
    expect(done.status?.phase).toBe('Completed');
    expect(done.status?.completionTime).toBeDefined();
    expect(condition(done, 'Ready')).toMatchObject({ status: 'False', reason: 'Completed' });
    expect(done.status?.phaseHistory).toEqual(
      expect.arrayContaining([expect.objectContaining({ from: 'Running', to: 'Completed' })]),
    );
  });

  test.each([
    ['exit 1', { SIM_RUN_SECONDS: '0.3', SIM_EXIT_CODE: '1' }, 'RunnerExit'],
    ['exit 2 (prerequisite)', { SIM_RUN_SECONDS: '0.3', SIM_EXIT_CODE: '2' }, 'PrerequisiteFailed'],
    ['OOM', { SIM_RUN_SECONDS: '0.3', SIM_OOM: 'true' }, 'OOMKilled'],
    ['image pull failure', { SIM_IMAGE_PULL: 'fail' }, 'ErrImagePull|ImagePullBackOff'],
  ])('%s → Failed with the reason in the Ready condition', async (label, env, reason) => {
    const name = `fail-${label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/-+$/, '')}`;
    await cluster.createSession(name, runner(env));
    const done = await cluster.waitForSession(name, terminal, 'a terminal phase');
    expect(done.status?.phase).toBe('Failed');
    expect(done.status?.completionTime).toBeDefined();
    expect(condition(done, 'Ready')?.reason).toMatch(new RegExp(`^(${reason})$`));
    // The finished runner is cleaned up (its Job, and with it the pod).
    await eventually(
      () => cluster.core.listNamespacedPod({ namespace: 'demo', labelSelector: `agentic-session=${name}` }),
      (pods) => pods.items.length === 0,
      `${name}: runner pods gone`,
    );
  });

  // kube-sim's kubelet eviction (the node agent of CLUSTER=real has no fault hook for it).
  test.skipIf(clusterKindFromEnv() === 'real')('an evicted runner → Failed with reason Evicted', async () => {
    await cluster.createSession('evicted');
    await cluster.waitForSession('evicted', (s) => s.status?.phase === 'Running', 'Running');
    const pods = await cluster.core.listNamespacedPod({
      namespace: 'demo',
      labelSelector: 'agentic-session=evicted',
    });
    requireSim(cluster).faults.evictPod('demo', pods.items[0]!.metadata!.name!, 'node memory pressure');
    const done = await cluster.waitForSession('evicted', terminal, 'a terminal phase');
    expect(done.status?.phase).toBe('Failed');
    expect(condition(done, 'Ready')?.reason).toBe('Evicted');
  });

  // Deleted through the API, as a user or another controller would: on a real cluster the Job's tracking
  // finalizer holds the pod while its node kills it (Failed, exit 143) before it is gone; the operator reads
  // that as a lost runner (contract row 19), not as the runner's exit.
  test('a runner pod deleted again and again is re-created at most 3 times, then Failed', async () => {
    await cluster.createSession('flaky');
    for (let round = 0; round < 4; round++) {
      const running = await cluster.waitForSession(
        'flaky',
        (s) => s.status?.phase === 'Running' && (s.status.runnerRecreations ?? 0) === round,
        `Running after ${round} re-creations`,
      );
      expect(running.status?.runnerRecreations ?? 0).toBe(round);
      const pods = await cluster.core.listNamespacedPod({
        namespace: 'demo',
        labelSelector: 'agentic-session=flaky',
      });
      const live = pods.items.find((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
      await cluster.core.deleteNamespacedPod({ namespace: 'demo', name: live!.metadata!.name! });
    }
    const failed = await cluster.waitForSession('flaky', (s) => s.status?.phase === 'Failed', 'Failed');
    expect(failed.status?.runnerRecreations).toBe(3);
    expect(condition(failed, 'Ready')?.reason).toBe('RunnerLost');
  });

  test('an idle session is stopped at its inactivity deadline', async () => {
    await cluster.createSession('idle', { inactivityTimeout: 1 });
    const stopped = await cluster.waitForSession('idle', (s) => s.status?.phase === 'Stopped', 'Stopped');
    expect(stopped.status?.stoppedReason).toBe('inactivity');
    expect(condition(stopped, 'Ready')?.reason).toBe('InactivityTimeout');
  });

  test('without the runner secret a session waits in Pending and says why', async () => {
    await cluster.core.createNamespace({
      body: { metadata: { name: 'nosecret', labels: { 'ambient-code.io/managed': 'true' } } },
    });
    await cluster.custom.createNamespacedCustomObject({
      group: 'vteam.ambient-code',
      version: 'v1alpha1',
      plural: 'agenticsessions',
      namespace: 'nosecret',
      body: {
        apiVersion: 'vteam.ambient-code/v1alpha1',
        kind: 'AgenticSession',
        metadata: { name: 'waits' },
        spec: {},
      },
    });
    const read = async () =>
      (await cluster.custom.getNamespacedCustomObject({
        group: 'vteam.ambient-code',
        version: 'v1alpha1',
        plural: 'agenticsessions',
        namespace: 'nosecret',
        name: 'waits',
      })) as SessionObject;
    const pending = await eventually(
      read,
      (s) => condition(s, 'SecretsReady')?.status === 'False',
      'SecretsReady=False',
    );
    expect(pending.status?.phase).toBe('Pending');
    expect(condition(pending, 'SecretsReady')?.reason).toBe('RunnerSecretMissing');
    await cluster.core.createNamespacedSecret({
      namespace: 'nosecret',
      body: { metadata: { name: 'ambient-runner-secrets' }, stringData: { ANTHROPIC_API_KEY: 'k' } },
    });
    await eventually(read, (s) => s.status?.phase === 'Running', 'Running once the secret exists');
  });
});
