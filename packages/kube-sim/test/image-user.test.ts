import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { RUNNER, runnerJob, useKubeSim, waitFor } from './helpers.js';

// The kubelet refuses to start a container whose image runs as root when runAsNonRoot is in effect and
// no numeric runAsUser says otherwise (upstream's state-sync image is Alpine without USER). kube-sim
// knows an image's USER only when told (KubeSimOptions.images).
const NS = 'image-users';
const ROOT_IMAGE = 'sync:1';
const cluster = useKubeSim(NS, {
  images: { [ROOT_IMAGE]: {}, 'runner:1': { user: '1001' }, 'named:1': { user: 'app' } },
});

const NON_ROOT = { runAsNonRoot: true };

async function waitingOf(pod: string, list: 'initContainerStatuses' | 'containerStatuses', name: string) {
  return waitFor(async () => {
    const read = await cluster.core.readNamespacedPod({ name: pod, namespace: NS });
    const state = read.status?.[list]?.find((s) => s.name === name)?.state;
    return state?.waiting?.reason === 'CreateContainerConfigError'
      ? { pod: read, waiting: state.waiting }
      : undefined;
  }, `${pod}/${name} CreateContainerConfigError`);
}

function pod(name: string, spec: Partial<k8s.V1PodSpec>): k8s.V1Pod {
  return {
    metadata: { name },
    spec: { restartPolicy: 'Never', containers: [{ name: RUNNER, image: 'runner:1' }], ...spec },
  };
}

describe('runAsNonRoot against the image user', () => {
  it('a root image under runAsNonRoot without runAsUser: CreateContainerConfigError with the kubelet message', async () => {
    const created = await cluster.core.createNamespacedPod({
      namespace: NS,
      body: pod('root-init', {
        securityContext: NON_ROOT,
        initContainers: [{ name: 'init-hydrate', image: ROOT_IMAGE }],
      }),
    });
    const { pod: read, waiting } = await waitingOf('root-init', 'initContainerStatuses', 'init-hydrate');
    expect(waiting.message).toBe(
      `container has runAsNonRoot and image will run as root (pod: "root-init_${NS}(${created.metadata!.uid})", container: init-hydrate)`,
    );
    expect(read.status?.phase).toBe('Pending');
    expect(read.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('PodInitializing');
    const events = await cluster.core.listNamespacedEvent({
      namespace: NS,
      fieldSelector: 'involvedObject.name=root-init',
    });
    expect(events.items.map((e) => [e.type, e.reason, e.message])).toContainEqual([
      'Warning',
      'Failed',
      `Error: ${waiting.message}`,
    ]);
  });

  it('the same image starts with a numeric runAsUser, or without runAsNonRoot', async () => {
    await cluster.core.createNamespacedPod({
      namespace: NS,
      body: pod('numeric-user', {
        securityContext: { ...NON_ROOT, runAsUser: 1001 },
        initContainers: [{ name: 'init-hydrate', image: ROOT_IMAGE }],
      }),
    });
    await cluster.core.createNamespacedPod({
      namespace: NS,
      body: pod('as-root', { initContainers: [{ name: 'init-hydrate', image: ROOT_IMAGE }] }),
    });
    for (const name of ['numeric-user', 'as-root']) {
      await waitFor(
        async () =>
          (await cluster.core.readNamespacedPod({ name, namespace: NS })).status?.phase === 'Running',
        `${name} Running`,
      );
    }
  });

  it('the container context wins over the pod context, and a main container is refused the same way', async () => {
    await cluster.core.createNamespacedPod({
      namespace: NS,
      body: pod('main-root', {
        securityContext: { runAsUser: 1001 },
        containers: [
          { name: RUNNER, image: 'runner:1' },
          { name: 'state-sync', image: ROOT_IMAGE, securityContext: { ...NON_ROOT, runAsUser: 0 } },
        ],
      }),
    });
    const { pod: read, waiting } = await waitingOf('main-root', 'containerStatuses', 'state-sync');
    expect(waiting.message).toMatch(/^container's runAsUser breaks non-root policy \(pod: "main-root_/);
    expect(read.status?.phase).toBe('Pending');
  });

  it('an image with a non-numeric USER cannot be verified as non-root', async () => {
    await cluster.core.createNamespacedPod({
      namespace: NS,
      body: pod('named-user', {
        securityContext: NON_ROOT,
        containers: [{ name: RUNNER, image: 'named:1' }],
      }),
    });
    const { waiting } = await waitingOf('named-user', 'containerStatuses', RUNNER);
    expect(waiting.message).toMatch(
      /^container has runAsNonRoot and image has non-numeric user \(app\), cannot verify/,
    );
  });

  it('a Job runner pod whose state-sync image is described later as root is refused from then on', async () => {
    cluster.sim.images.set('late:1', { user: '0' });
    const job = runnerJob('late', {});
    job.spec!.template.spec!.securityContext = NON_ROOT;
    job.spec!.template.spec!.initContainers![0]!.image = 'late:1';
    await cluster.batch.createNamespacedJob({ namespace: NS, body: job });
    const podName = await waitFor(async () => {
      const pods = await cluster.core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=late' });
      return pods.items[0]?.metadata?.name;
    }, 'late pod');
    const { waiting } = await waitingOf(podName, 'initContainerStatuses', 'init-hydrate');
    expect(waiting.message).toContain('image will run as root');
  });
});
