import { describe, expect, it } from 'vitest';
import { RUNNER, Kubectl, runnerJob, useKubeSim, waitFor } from './helpers.js';

// Before Kubernetes 1.29 the API server drops `restartPolicy` from init containers (no native sidecars):
// a "sidecar" becomes an ordinary init container that must exit before the main containers start.
const NS = 'old-server';
const cluster = useKubeSim(NS, { serverVersion: 'v1.28.7' });

describe('an older server version', () => {
  it('/version reports it (kubectl version reads it)', async () => {
    const kubectl = await Kubectl.create(cluster.sim);
    try {
      const out = JSON.parse(await kubectl.ok(['version', '-o', 'json'])) as {
        serverVersion: { major: string; minor: string; gitVersion: string };
      };
      expect(out.serverVersion).toMatchObject({ major: '1', minor: '28', gitVersion: 'v1.28.7-kube-sim' });
    } finally {
      await kubectl.dispose();
    }
  });

  it('drops restartPolicy from init containers of pods and Job templates', async () => {
    const job = await cluster.batch.createNamespacedJob({ namespace: NS, body: runnerJob('sidecar', {}) });
    expect(job.spec?.template.spec?.initContainers?.map((c) => c.restartPolicy)).toEqual([
      undefined,
      undefined,
    ]);
    const pod = await waitFor(async () => {
      const pods = await cluster.core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=sidecar' });
      return pods.items[0];
    }, 'sidecar pod');
    expect(pod.spec?.initContainers?.map((c) => c.restartPolicy)).toEqual([undefined, undefined]);
    // state-sync ran as a plain init container: it terminated before the runner started.
    const running = await waitFor(async () => {
      const read = await cluster.core.readNamespacedPod({ name: pod.metadata!.name!, namespace: NS });
      return read.status?.containerStatuses?.find((s) => s.name === RUNNER)?.state?.running
        ? read
        : undefined;
    }, 'runner running');
    expect(
      running.status?.initContainerStatuses?.find((s) => s.name === 'state-sync')?.state?.terminated,
    ).toBeTruthy();
  });

  it('a pod without init sidecars is unaffected', async () => {
    const created = await cluster.core.createNamespacedPod({
      namespace: NS,
      body: { metadata: { name: 'plain' }, spec: { containers: [{ name: 'c', image: 'x:1' }] } },
    });
    expect(created.spec?.containers.map((c) => c.name)).toEqual(['c']);
  });
});
