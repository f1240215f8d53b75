// Two reconciles of one session at once (a Redis FLUSHALL drops the queue's locks, so two workers may take the same
// key): the one whose status write meets a 409 because the other moved the session on must not judge the new phase
// from the children it read before the other changed them.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_MACHINE_CONFIG } from '@ambient-operator/machines';
import { createLogger, makeKubeClients, type KubeClients } from '@ambient-operator/shared';
import { GROUP, startTestCluster, type TestCluster } from '@ambient-operator/testing';
import {
  clusterDnsRunnerResolver,
  createRunnerClient,
  sessionReconciler,
  type WorkerDeps,
} from '@ambient-operator/worker';

describe('two reconciles of one session at once', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  /** A worker's dependencies, as start-worker builds them, over `api`. */
  const depsOver = (api: KubeClients): WorkerDeps => ({
    api,
    config: cluster.config,
    machine: DEFAULT_MACHINE_CONFIG,
    log: createLogger({ level: 'silent', name: 'test' }),
    metrics: cluster.worker.metrics,
    now: Date.now,
    runnerClient: createRunnerClient(),
    resolveRunnerUrl: clusterDnsRunnerResolver,
    agentRegistry: () => Promise.resolve(undefined),
    modelsManifest: () => Promise.resolve(undefined),
    configProblems: () => Promise.resolve({ registry: [], models: [] }),
    cluster: { nativeSidecars: true, openShift: false },
    // The namespace is not labelled managed, so the cluster's own worker leaves the session to these two.
    managedNamespaces: { isManaged: () => Promise.resolve(true) },
    ambient: undefined,
  });

  test('after a 409 caused by the other, the reconcile leaves the session to a fresh run, not a phase judged from stale children', async () => {
    const namespace = 'unmanaged-twice';
    const name = 'twice';
    await cluster.core.createNamespace({ body: { metadata: { name: namespace } } });
    await cluster.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'ambient-runner-secrets' }, stringData: { ANTHROPIC_API_KEY: 'sk-test' } },
    });
    await cluster.createSession(name, {}, undefined, namespace);
    const api = makeKubeClients(cluster.kc);
    const request = (reconcileId: string) => ({
      key: `${namespace}/${name}`,
      ref: { kind: 'session' as const, namespace, name },
      signal: new AbortController().signal,
      reconcileId,
    });
    // A reads the session and its (missing) children; as A is about to create the runner Job, B runs whole from the
    // same state and writes New → Pending → Creating. A's Job create then finds B's, and A's status write meets a 409.
    let b: Promise<unknown> | undefined;
    const batch = new Proxy(api.batch, {
      get(target, prop, receiver) {
        if (prop !== 'createNamespacedJob') return Reflect.get(target, prop, receiver) as unknown;
        return async (...args: Parameters<typeof target.createNamespacedJob>) => {
          b ??= sessionReconciler.reconcile(request('B'), depsOver(api));
          await b;
          return target.createNamespacedJob(...args);
        };
      },
    });
    const a = await sessionReconciler.reconcile(request('A'), depsOver({ ...api, batch })).then(
      () => 'written',
      (err: unknown) => err,
    );
    expect(await b).toMatchObject({ transitions: [{ to: 'Pending' }, { to: 'Creating' }] });

    const session = (await cluster.custom.getNamespacedCustomObject({ ...GROUP, namespace, name })) as {
      status?: { phase?: string; phaseHistory?: { to: string; reason: string }[] };
    };
    // B's transitions stand alone: A did not take the Job it had read as missing for a vanished runner.
    expect(session.status?.phaseHistory?.map((e) => e.to)).toEqual(['Pending', 'Creating']);
    expect(session.status?.phase).toBe('Creating');
    // A's conflict goes to the queue, which runs the whole reconcile again from fresh reads.
    expect(a).toMatchObject({ name: 'ReconcileFailure', kind: 'conflict' });
  });
});
