import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { JOB_TRACKING_FINALIZER } from '@ambient-operator/kube-sim';
import { apiCode, waitFor, useKubeSim } from './helpers.js';

const NS = 'job-tracking';

const cluster = useKubeSim(NS);

/** A Job shaped like the worker's runner Job: one pod, never restarted, a long grace period. */
async function createJob(
  name: string,
  options: { env?: k8s.V1EnvVar[]; terminationGracePeriodSeconds?: number } = {},
): Promise<k8s.V1Job> {
  return cluster.batch.createNamespacedJob({
    namespace: NS,
    body: {
      metadata: { name },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            terminationGracePeriodSeconds: options.terminationGracePeriodSeconds ?? 90,
            containers: [{ name: 'runner', image: 'runner:1', env: options.env ?? [] }],
          },
        },
      },
    },
  });
}

async function podsOf(job: string): Promise<k8s.V1Pod[]> {
  return (await cluster.core.listNamespacedPod({ namespace: NS, labelSelector: `job-name=${job}` })).items;
}

async function runningPod(job: string): Promise<k8s.V1Pod> {
  return waitFor(async () => {
    const [pod] = await podsOf(job);
    return pod?.status?.phase === 'Running' ? pod : undefined;
  }, `${job} pod Running`);
}

async function noPodsLeft(job: string): Promise<void> {
  await waitFor(async () => (await podsOf(job)).length === 0, `${job} pods gone`, 4_000);
}

async function jobGone(job: string): Promise<void> {
  await waitFor(
    async () =>
      apiCode(
        await cluster.batch.readNamespacedJob({ name: job, namespace: NS }).catch((e: unknown) => e),
      ) === 404,
    `${job} gone`,
    4_000,
  );
}

describe('the job-tracking finalizer on Job pods', () => {
  it('is on pods of a running Job', async () => {
    await createJob('tracked');
    const pod = await runningPod('tracked');
    expect(pod.metadata!.finalizers).toEqual([JOB_TRACKING_FINALIZER]);
  });

  it('is removed when the Job is deleted with Background propagation, so the pod goes away', async () => {
    await createJob('bg');
    await runningPod('bg');
    await cluster.batch.deleteNamespacedJob({ name: 'bg', namespace: NS, propagationPolicy: 'Background' });
    await jobGone('bg');
    await noPodsLeft('bg');
  });

  it('is removed when the Job is deleted with Foreground propagation; the Job goes after its pods', async () => {
    await createJob('fg');
    await runningPod('fg');
    await cluster.batch.deleteNamespacedJob({ name: 'fg', namespace: NS, propagationPolicy: 'Foreground' });
    await noPodsLeft('fg');
    await jobGone('fg');
  });

  it('is removed from a pod with terminationGracePeriodSeconds 0 when its Job is deleted', async () => {
    await createJob('no-grace', { terminationGracePeriodSeconds: 0 });
    await runningPod('no-grace');
    await cluster.batch.deleteNamespacedJob({
      name: 'no-grace',
      namespace: NS,
      propagationPolicy: 'Background',
    });
    await noPodsLeft('no-grace');
  });

  it('is removed from a pod deleted with gracePeriodSeconds 0; the Job counts it as failed', async () => {
    await createJob('force');
    const pod = await runningPod('force');
    await cluster.core.deleteNamespacedPod({
      name: pod.metadata!.name!,
      namespace: NS,
      gracePeriodSeconds: 0,
    });
    await waitFor(
      async () =>
        apiCode(
          await cluster.core
            .readNamespacedPod({ name: pod.metadata!.name!, namespace: NS })
            .catch((e: unknown) => e),
        ) === 404,
      'force-deleted pod gone',
    );
    const failed = await waitFor(async () => {
      const job = await cluster.batch.readNamespacedJob({ name: 'force', namespace: NS });
      return job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
    }, 'job Failed');
    expect(failed.reason).toBe('BackoffLimitExceeded');
    expect((await cluster.batch.readNamespacedJob({ name: 'force', namespace: NS })).status!.failed).toBe(1);
  });

  it('is removed from the pod of a finished Job once counted, and the pod goes with the Job', async () => {
    await createJob('finished', { env: [{ name: 'SIM_RUN_SECONDS', value: '0.02' }] });
    const job = await waitFor(async () => {
      const j = await cluster.batch.readNamespacedJob({ name: 'finished', namespace: NS });
      return j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
    }, 'job Complete');
    expect(job.status!.succeeded).toBe(1);
    const [pod] = await podsOf('finished');
    expect(pod!.status!.phase).toBe('Succeeded');
    expect(pod!.metadata!.finalizers ?? []).not.toContain(JOB_TRACKING_FINALIZER);
    await cluster.batch.deleteNamespacedJob({
      name: 'finished',
      namespace: NS,
      propagationPolicy: 'Background',
    });
    await noPodsLeft('finished');
  });

  it('is removed from pods whose Job was deleted with Orphan propagation; the pod stays', async () => {
    await createJob('orphaned');
    const pod = await runningPod('orphaned');
    await cluster.batch.deleteNamespacedJob({ name: 'orphaned', namespace: NS, propagationPolicy: 'Orphan' });
    await jobGone('orphaned');
    const released = await waitFor(async () => {
      const p = await cluster.core.readNamespacedPod({ name: pod.metadata!.name!, namespace: NS });
      return (p.metadata!.finalizers ?? []).includes(JOB_TRACKING_FINALIZER) ? undefined : p;
    }, 'finalizer removed from the orphan');
    expect(released.metadata!.ownerReferences).toBeUndefined();
    expect(released.status!.phase).toBe('Running');
    await cluster.core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: NS });
    await noPodsLeft('orphaned');
  });
});
