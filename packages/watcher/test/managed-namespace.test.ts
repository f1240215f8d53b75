// Managed namespaces feed the ProjectSettings reconcile: a namespace that gains `ambient-code.io/managed=true`
// (created with it, or labelled later) enqueues `ps:<ns>`; an unlabelled one enqueues nothing.
import type { KubeSim } from '@ambient-operator/kube-sim';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWatcher, type Watcher } from '@ambient-operator/watcher';
import {
  QueueProbe,
  deletePrefix,
  kubeConfigFor,
  redisUrl,
  startSim,
  uniquePrefix,
  waitFor,
} from './harness.js';

const prefix = uniquePrefix('managed-ns');
let sim: KubeSim;
let core: CoreV1Api;
let probe: QueueProbe;
let watcher: Watcher;
let redis: Redis;

beforeAll(async () => {
  sim = await startSim(['team-a']);
  const kc = kubeConfigFor(sim);
  core = kc.makeApiClient(CoreV1Api);
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  probe = new QueueProbe(redisUrl, prefix);
  watcher = await startWatcher({ kubeConfig: kc, redis: redisUrl, queuePrefix: prefix });
  await waitFor('the watcher to be ready', async () => (await watcher.readiness()).ready);
  // The initial list enqueues the namespaces that are already managed.
  await waitFor('ps:team-a from the initial list', () => probe.has('ps:team-a'));
});

afterAll(async () => {
  await watcher?.stop();
  await probe?.close();
  await deletePrefix(redis, prefix);
  await redis?.quit();
  await sim?.stop();
});

describe('managed namespaces', () => {
  it('labelling an existing namespace enqueues ps:<ns>, and nothing for unmanaged namespaces', async () => {
    await core.createNamespace({ body: { metadata: { name: 'later' } } });
    await core.createNamespace({ body: { metadata: { name: 'elsewhere', labels: { team: 'x' } } } });
    await probe.clear();
    await core.patchNamespace(
      { name: 'later', body: { metadata: { labels: { 'ambient-code.io/managed': 'true' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitFor('ps:later', () => probe.has('ps:later'));
    // The labelling is the only event seen: the unlabelled namespaces never reached the queue.
    expect(await probe.keys()).toEqual(['ps:later']);
  });

  it('creating a namespace with the label enqueues ps:<ns>', async () => {
    await probe.clear();
    await core.createNamespace({
      body: { metadata: { name: 'born-managed', labels: { 'ambient-code.io/managed': 'true' } } },
    });
    await waitFor('ps:born-managed', () => probe.has('ps:born-managed'));
    expect(await probe.keys()).toEqual(['ps:born-managed']);
  });
});
