import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { startKubeSim } from '@ambient-operator/kube-sim';
import { SharedAgentKubeConfig, loadConfig } from '@ambient-operator/shared';
import { condition, startTestCluster, type TestCluster } from '@ambient-operator/testing';
import { startWorker } from '@ambient-operator/worker';
import { REPO_ROOT } from '../scripts/local-stack.js';

// The clusters the operator is dropped into: vanilla Kubernetes (kind, upstream's own e2e) where nothing
// assigns a UID and upstream's state-sync image runs as root; clusters older than 1.29 without native
// sidecars; and a cluster whose AgenticSession CRD was replaced by the platform's own (no additive fields).

const STATE_SYNC = 'quay.io/ambient_code/vteam_state_sync:latest';
const RUNNER = 'quay.io/ambient_code/vteam_claude_runner:latest';
/** Upstream's images as a vanilla kubelet sees them (Dockerfiles: Alpine without USER; `USER 1001`). */
const UPSTREAM_IMAGES = { [STATE_SYNC]: { user: '' }, [RUNNER]: { user: '1001' } };

const clusters: TestCluster[] = [];
afterEach(async () => {
  for (const c of clusters.splice(0)) await c.stop();
});

async function cluster(options: Parameters<typeof startTestCluster>[0]): Promise<TestCluster> {
  const started = await startTestCluster(options);
  clusters.push(started);
  return started;
}

const terminal = ['Running', 'Completed', 'Failed'];

describe('vanilla Kubernetes: upstream state-sync image runs as root', () => {
  test('by default the runner pod gets a numeric runAsUser, so the kubelet starts every container', async () => {
    const c = await cluster({ sim: { images: UPSTREAM_IMAGES } });
    await c.createSession('vanilla');
    const running = await c.waitForSession(
      'vanilla',
      (s) => terminal.includes(s.status?.phase ?? ''),
      'settled',
    );
    expect(running.status?.phase).toBe('Running');
    const job = await c.batch.readNamespacedJob({ namespace: 'demo', name: 'vanilla-runner' });
    expect(job.spec?.template.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1001 });
  });

  test('without a UID (cluster-assigned, as on OpenShift) the session fails with the kubelet message', async () => {
    const c = await cluster({
      sim: { images: UPSTREAM_IMAGES },
      env: { RUNNER_SECURITY_PROFILE: 'cluster-assigned' },
    });
    await c.createSession('no-uid');
    const failed = await c.waitForSession('no-uid', (s) => s.status?.phase === 'Failed', 'Failed');
    expect(condition(failed, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'CreateContainerConfigError',
    });
    expect(condition(failed, 'Ready')?.message).toMatch(
      /container has runAsNonRoot and image will run as root \(pod: "no-uid-runner-\w+_demo\([0-9a-f-]+\)", container: init-hydrate\)/,
    );
  });
});

describe('Kubernetes 1.28: no native sidecars', () => {
  test('state-sync runs as an ordinary container beside the runner, and the session completes', async () => {
    const c = await cluster({ sim: { serverVersion: '1.28' } });
    await c.createSession('old-k8s', {
      environmentVariables: {
        SIM_TARGET_CONTAINER: 'ambient-code-runner',
        SIM_RUN_SECONDS: '2',
        SIM_EXIT_CODE: '0',
      },
    });
    await c.waitForSession('old-k8s', (s) => s.status?.phase === 'Running', 'Running');
    const pods = await c.core.listNamespacedPod({
      namespace: 'demo',
      labelSelector: 'agentic-session=old-k8s',
    });
    const pod = pods.items[0]!;
    expect(pod.spec?.initContainers?.map((i) => i.name)).toEqual(['init-hydrate']);
    expect(pod.spec?.containers.map((i) => i.name)).toEqual(['ambient-code-runner', 'state-sync']);
    const done = await c.waitForSession('old-k8s', (s) => s.status?.phase === 'Completed', 'Completed');
    expect(condition(done, 'Ready')).toMatchObject({ reason: 'Completed' });
  });
});

describe("the platform's own AgenticSession CRD (without our status fields)", () => {
  test('the worker refuses to start, saying which fields would be pruned and what to do', async () => {
    const text = await readFile(
      path.join(
        REPO_ROOT,
        'packages/shared/test/fixtures/upstream/components__manifests__base__crds__agenticsessions-crd.yaml',
      ),
      'utf8',
    );
    const sim = await startKubeSim({ crds: [parse(text) as object] });
    try {
      const kc = new SharedAgentKubeConfig();
      kc.loadFromString(sim.kubeconfig);
      const config = loadConfig(['--metrics-bind-address=0', '--health-probe-bind-address=0'], {
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        QUEUE_PREFIX: `crd-guard-${process.pid}`,
        LOG_LEVEL: 'silent',
      });
      await expect(startWorker({ config, kubeConfig: kc, serveHttp: false })).rejects.toThrow(
        /does not declare status\.runnerRecreations, status\.lastRunnerRecreationTime, status\.phaseTransitionTime, status\.phaseHistory.*kubectl apply -f deploy\/crds\/agenticsessions-crd\.yaml/s,
      );
    } finally {
      await sim.stop();
    }
  });
});
