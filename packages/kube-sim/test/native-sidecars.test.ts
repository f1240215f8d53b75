import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { RUNNER, apiBody, apiCode, runnerJob, waitFor, useKubeSim } from './helpers.js';

const NS = 'sidecars';

const cluster = useKubeSim(NS);

async function podOf(job: string, phase?: string): Promise<k8s.V1Pod> {
  return waitFor(
    async () => {
      const [pod] = (
        await cluster.core.listNamespacedPod({ namespace: NS, labelSelector: `job-name=${job}` })
      ).items;
      return pod && (phase === undefined || pod.status?.phase === phase) ? pod : undefined;
    },
    `${job} pod ${phase ?? ''}`,
  );
}

async function finishedCondition(job: string): Promise<k8s.V1JobCondition> {
  return waitFor(async () => {
    const j = await cluster.batch.readNamespacedJob({ name: job, namespace: NS });
    return j.status?.conditions?.find(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
  }, `${job} finished`);
}

function initStatus(pod: k8s.V1Pod, name: string): k8s.V1ContainerStatus {
  const status = pod.status?.initContainerStatuses?.find((s) => s.name === name);
  if (!status) throw new Error(`no init container status ${name}`);
  return status;
}

function condition(pod: k8s.V1Pod, type: string): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === type)?.status;
}

describe('native sidecars (init containers with restartPolicy Always)', () => {
  it('run alongside the main container once the regular init container has completed', async () => {
    await cluster.batch.createNamespacedJob({ namespace: NS, body: runnerJob('running', {}) });
    const pod = await podOf('running', 'Running');
    expect(initStatus(pod, 'init-hydrate').state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    const sync = initStatus(pod, 'state-sync');
    expect(sync.state?.running?.startedAt).toBeTruthy();
    expect(sync).toMatchObject({ started: true, ready: true, restartCount: 0 });
    expect(pod.status!.containerStatuses![0]!).toMatchObject({ name: RUNNER, ready: true });
    expect(pod.status!.containerStatuses![0]!.state?.running).toBeTruthy();
    expect(condition(pod, 'Initialized')).toBe('True');
    expect(condition(pod, 'Ready')).toBe('True');
    const job = await cluster.batch.readNamespacedJob({ name: 'running', namespace: NS });
    expect(job.status).toMatchObject({ active: 1, ready: 1 });
  });

  it('are stopped with exit 0 when the runner exits 0: pod Succeeded, Job Complete', async () => {
    await cluster.batch.createNamespacedJob({
      namespace: NS,
      body: runnerJob('succeeds', { runner: [{ name: 'SIM_RUN_SECONDS', value: '0.05' }] }),
    });
    expect(await finishedCondition('succeeds')).toMatchObject({ type: 'Complete' });
    const pod = await podOf('succeeds', 'Succeeded');
    expect(pod.status!.containerStatuses![0]!.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(initStatus(pod, 'state-sync').state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(
      (await cluster.batch.readNamespacedJob({ name: 'succeeds', namespace: NS })).status!.succeeded,
    ).toBe(1);
  });

  it('do not keep the Job alive when the runner exits 2: Job Failed by the podFailurePolicy', async () => {
    await cluster.batch.createNamespacedJob({
      namespace: NS,
      body: runnerJob('fails', {
        runner: [
          { name: 'SIM_RUN_SECONDS', value: '0.05' },
          { name: 'SIM_EXIT_CODE', value: '2' },
        ],
      }),
    });
    const failed = await finishedCondition('fails');
    expect(failed).toMatchObject({ type: 'Failed', reason: 'PodFailurePolicy' });
    expect(failed.message).toContain(`Container ${RUNNER} for pod ${NS}/`);
    expect(failed.message).toContain('exit code 2');
    const pod = await podOf('fails', 'Failed');
    expect(pod.status!.containerStatuses![0]!.state?.terminated?.exitCode).toBe(2);
    expect(initStatus(pod, 'state-sync').state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
  });

  it('are restarted when they exit while the runner runs, even with pod restartPolicy Never', async () => {
    await cluster.batch.createNamespacedJob({
      namespace: NS,
      body: runnerJob('sync-crash', {
        sync: [
          { name: 'SIM_RUN_SECONDS', value: '0.02' },
          { name: 'SIM_EXIT_CODE', value: '1' },
        ],
      }),
    });
    const pod = await waitFor(async () => {
      const p = await podOf('sync-crash', 'Running');
      return (initStatus(p, 'state-sync').restartCount ?? 0) >= 2 ? p : undefined;
    }, 'state-sync restarted twice');
    expect(initStatus(pod, 'state-sync').lastState?.terminated?.exitCode).toBe(1);
    expect(pod.status!.containerStatuses![0]!.restartCount).toBe(0);
    const job = await cluster.batch.readNamespacedJob({ name: 'sync-crash', namespace: NS });
    expect(job.status!.failed).toBeUndefined();
  });

  it('rejects an init container restartPolicy other than Always', async () => {
    const body = runnerJob('bad-policy', {});
    body.spec!.template.spec!.initContainers![1]!.restartPolicy = 'Never';
    const err = await cluster.batch.createNamespacedJob({ namespace: NS, body }).catch((e: unknown) => e);
    expect(apiCode(err)).toBe(422);
    expect(JSON.stringify(apiBody(err))).toContain('spec.template.spec.initContainers[1].restartPolicy');
  });
});
