import type * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, useKubeSim, waitFor } from './helpers.js';

const NS = 'term-msg';
const cluster = useKubeSim(NS);
let kubectl: Kubectl;
beforeAll(async () => {
  kubectl = await Kubectl.create(cluster.sim);
});
afterAll(async () => {
  await kubectl?.dispose();
});

function job(
  name: string,
  container: Partial<k8s.V1Container>,
  spec: Partial<k8s.V1JobSpec> = {},
): k8s.V1Job {
  return {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      ...spec,
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'agent', image: 'agent:1', ...container }] },
      },
    },
  };
}

async function finishedPod(name: string): Promise<k8s.V1Pod> {
  return waitFor(async () => {
    const [pod] = (await cluster.core.listNamespacedPod({ namespace: NS, labelSelector: `job-name=${name}` }))
      .items;
    return pod?.status?.phase === 'Succeeded' || pod?.status?.phase === 'Failed' ? pod : undefined;
  }, `${name}'s pod finished`);
}

const terminated = (pod: k8s.V1Pod) => pod.status?.containerStatuses?.[0]?.state?.terminated;

describe('SIM_TERMINATION_MESSAGE: what the container leaves in its termination message', () => {
  it('is reported as state.terminated.message (client-node and kubectl), with the exit code', async () => {
    const env = [
      { name: 'SIM_RUN_SECONDS', value: '0.1' },
      { name: 'SIM_EXIT_CODE', value: '2' },
      { name: 'SIM_TERMINATION_MESSAGE', value: '{"summary":"done"}' },
    ];
    await cluster.batch.createNamespacedJob({ namespace: NS, body: job('says', { env }) });
    const pod = await finishedPod('says');
    expect(terminated(pod)).toMatchObject({ exitCode: 2, reason: 'Error', message: '{"summary":"done"}' });
    const viaKubectl = await kubectl.ok([
      'get',
      'pod',
      pod.metadata!.name!,
      '-n',
      NS,
      '-o',
      'jsonpath={.status.containerStatuses[0].state.terminated.message}',
    ]);
    expect(viaKubectl).toBe('{"summary":"done"}');
  });

  it('honours terminationMessagePath: a message written elsewhere is not seen, one written there is', async () => {
    const base = [
      { name: 'SIM_RUN_SECONDS', value: '0' },
      { name: 'SIM_TERMINATION_MESSAGE', value: 'hello' },
    ];
    await cluster.batch.createNamespacedJob({
      namespace: NS,
      body: job('elsewhere', { env: base, terminationMessagePath: '/tmp/out' }),
    });
    await cluster.batch.createNamespacedJob({
      namespace: NS,
      body: job('there', {
        env: [...base, { name: 'SIM_TERMINATION_MESSAGE_PATH', value: '/tmp/out' }],
        terminationMessagePath: '/tmp/out',
      }),
    });
    expect(terminated(await finishedPod('elsewhere'))?.message).toBeUndefined();
    expect(terminated(await finishedPod('there'))?.message).toBe('hello');
  });

  it('keeps at most 4096 bytes, as the kubelet does', async () => {
    const env = [
      { name: 'SIM_RUN_SECONDS', value: '0' },
      { name: 'SIM_TERMINATION_MESSAGE', value: 'x'.repeat(5000) },
    ];
    await cluster.batch.createNamespacedJob({ namespace: NS, body: job('long', { env }) });
    expect(terminated(await finishedPod('long'))?.message).toBe('x'.repeat(4096));
  });
});

describe('Job activeDeadlineSeconds', () => {
  it('fails a Job still running past its deadline with reason DeadlineExceeded and stops its pod', async () => {
    await cluster.batch.createNamespacedJob({
      namespace: NS,
      body: job('slow', {}, { activeDeadlineSeconds: 1 }),
    });
    const failed = await waitFor(async () => {
      const j = await cluster.batch.readNamespacedJob({ name: 'slow', namespace: NS });
      return j.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
    }, 'slow failed');
    expect(failed).toMatchObject({
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    });
    await waitFor(async () => {
      const pods = await cluster.core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=slow' });
      return (
        pods.items.every((p) => p.metadata?.deletionTimestamp || p.status?.phase !== 'Running') || undefined
      );
    }, 'slow pod stopped');
  });
});
