import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { SIM_TARGET_CONTAINER } from '@ambient-operator/kube-sim';
import { RUNNER, runnerJob, waitFor, useKubeSim } from './helpers.js';

const NS = 'scripted';

const cluster = useKubeSim(NS);

/** The operator copies a session's env into every container: this creates the Job that way. */
async function createWithEnvEverywhere(name: string, env: k8s.V1EnvVar[]): Promise<void> {
  await cluster.batch.createNamespacedJob({
    namespace: NS,
    body: runnerJob(name, { hydrate: env, sync: env, runner: env }),
  });
}

async function pod(job: string, ready: (p: k8s.V1Pod) => boolean, what: string): Promise<k8s.V1Pod> {
  return waitFor(async () => {
    const [p] = (await cluster.core.listNamespacedPod({ namespace: NS, labelSelector: `job-name=${job}` }))
      .items;
    return p && ready(p) ? p : undefined;
  }, what);
}

function initState(p: k8s.V1Pod, name: string): k8s.V1ContainerState | undefined {
  return p.status?.initContainerStatuses?.find((s) => s.name === name)?.state;
}

function runnerState(p: k8s.V1Pod): k8s.V1ContainerState | undefined {
  return p.status?.containerStatuses?.find((s) => s.name === RUNNER)?.state;
}

async function jobFinished(job: string): Promise<k8s.V1JobCondition> {
  return waitFor(async () => {
    const j = await cluster.batch.readNamespacedJob({ name: job, namespace: NS });
    return j.status?.conditions?.find(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
  }, `${job} finished`);
}

describe(`${SIM_TARGET_CONTAINER}: SIM_* vars copied into every container apply to one`, () => {
  it('only the named runner exits 1 after 0.3 s; the init container completes, the sidecar runs until the end', async () => {
    await createWithEnvEverywhere('runner-exits', [
      { name: SIM_TARGET_CONTAINER, value: RUNNER },
      { name: 'SIM_RUN_SECONDS', value: '0.3' },
      { name: 'SIM_EXIT_CODE', value: '1' },
    ]);
    const running = await pod('runner-exits', (p) => runnerState(p)?.running !== undefined, 'runner running');
    expect(initState(running, 'init-hydrate')?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(initState(running, 'state-sync')?.running).toBeDefined();
    expect(running.status!.phase).toBe('Running');

    const failed = await pod('runner-exits', (p) => p.status?.phase === 'Failed', 'pod Failed');
    expect(runnerState(failed)?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(initState(failed, 'init-hydrate')?.terminated?.exitCode).toBe(0);
    expect(initState(failed, 'state-sync')?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(failed.status!.initContainerStatuses!.find((s) => s.name === 'state-sync')!.restartCount).toBe(0);
    // Exit 1 does not match the FailJob rule (exit 2): the backoff limit (0) fails the Job.
    expect(await jobFinished('runner-exits')).toMatchObject({
      type: 'Failed',
      reason: 'BackoffLimitExceeded',
    });
  });

  it('without it, the same env makes the regular init container fail first and the runner never starts', async () => {
    await createWithEnvEverywhere('untargeted', [
      { name: 'SIM_RUN_SECONDS', value: '0.05' },
      { name: 'SIM_EXIT_CODE', value: '1' },
    ]);
    const failed = await pod('untargeted', (p) => p.status?.phase === 'Failed', 'pod Failed');
    expect(initState(failed, 'init-hydrate')?.terminated?.exitCode).toBe(1);
    expect(runnerState(failed)?.waiting?.reason).toBe('PodInitializing');
  });

  it('can name an init container: its image pull fails while the sidecar and runner wait', async () => {
    await createWithEnvEverywhere('hydrate-pull', [
      { name: SIM_TARGET_CONTAINER, value: 'init-hydrate' },
      { name: 'SIM_IMAGE_PULL', value: 'fail' },
    ]);
    const stuck = await pod(
      'hydrate-pull',
      (p) => initState(p, 'init-hydrate')?.waiting?.reason === 'ImagePullBackOff',
      'init-hydrate ImagePullBackOff',
    );
    expect(stuck.status!.phase).toBe('Pending');
    expect(initState(stuck, 'state-sync')?.waiting?.reason).toBe('PodInitializing');
    expect(runnerState(stuck)?.waiting?.reason).toBe('PodInitializing');
  });

  it('takes a comma-separated list: the sidecar and the runner exit, the init container does not', async () => {
    await createWithEnvEverywhere('two-targets', [
      { name: SIM_TARGET_CONTAINER, value: `state-sync, ${RUNNER}` },
      { name: 'SIM_RUN_SECONDS', value: '0.15' },
      { name: 'SIM_EXIT_CODE', value: '0' },
    ]);
    expect(await jobFinished('two-targets')).toMatchObject({ type: 'Complete' });
    const done = await pod('two-targets', (p) => p.status?.phase === 'Succeeded', 'pod Succeeded');
    expect(initState(done, 'init-hydrate')?.terminated?.exitCode).toBe(0);
    expect(runnerState(done)?.terminated?.exitCode).toBe(0);
  });
});
