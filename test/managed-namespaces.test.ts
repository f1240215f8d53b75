import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startKubeSim, type KubeSim } from '@ambient-operator/kube-sim';
import {
  SharedAgentKubeConfig,
  isNotFound,
  makeKubeClients,
  mergePatch,
  type LeanCoreV1Api,
} from '@ambient-operator/shared';
import { createManagedNamespaces } from '@ambient-operator/worker';

// A worker skips sessions of namespaces without `ambient-code.io/managed=true` (contract §2.1) without reading the
// Namespace for every reconcile: a recent "managed" answer is reused, "not managed" never is.

describe('managed namespaces as a worker process knows them', () => {
  let sim: KubeSim;
  let kc: SharedAgentKubeConfig;
  let core: LeanCoreV1Api;
  let clock = 0;
  const namespaceReads = () => sim.requestCount({ verb: 'get', resource: 'namespaces' });
  const managed = () =>
    createManagedNamespaces({
      read: async (name) => {
        try {
          return await core.readNamespace({ name });
        } catch (err) {
          if (isNotFound(err)) return null;
          throw err;
        }
      },
      now: () => clock,
      ttlMs: 5000,
    });
  const label = (name: string, value: string | null) =>
    core.patchNamespace(
      { name, body: { metadata: { labels: { 'ambient-code.io/managed': value } } } },
      mergePatch,
    );

  beforeAll(async () => {
    sim = await startKubeSim({});
    kc = new SharedAgentKubeConfig();
    kc.loadFromString(sim.kubeconfig);
    core = makeKubeClients(kc).core;
    for (const name of ['team-a', 'team-b']) await core.createNamespace({ body: { metadata: { name } } });
    await label('team-a', 'true');
  });
  afterAll(async () => {
    kc?.destroyAgent();
    await sim?.stop();
  });

  test('a managed namespace is read once for the reconciles of the next seconds, then again', async () => {
    const namespaces = managed();
    const before = namespaceReads();
    // A burst: every reconcile asks at once, one read answers them all.
    expect(await Promise.all(Array.from({ length: 50 }, () => namespaces.isManaged('team-a')))).toEqual(
      Array(50).fill(true),
    );
    expect(await namespaces.isManaged('team-a')).toBe(true);
    expect(namespaceReads() - before).toBe(1);

    // Unlabelled meanwhile: seen once the answer is older than its time to live.
    await label('team-a', null);
    clock += 4999;
    expect(await namespaces.isManaged('team-a')).toBe(true);
    clock += 1;
    expect(await namespaces.isManaged('team-a')).toBe(false);
    expect(namespaceReads() - before).toBe(2);
    await label('team-a', 'true');
  });

  test('"not managed" is never kept: a namespace labelled managed counts at once', async () => {
    const namespaces = managed();
    expect(await namespaces.isManaged('team-b')).toBe(false);
    await label('team-b', 'true');
    expect(await namespaces.isManaged('team-b')).toBe(true);
    expect(await namespaces.isManaged('no-such-namespace')).toBe(false);
  });
});
