import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { isConflict, makeKubeClients } from '@ambient-operator/shared';
import { GROUP, eventually, startTestCluster, type TestCluster } from '@ambient-operator/testing';
import {
  patchStatus,
  readStoredObject,
  setSessionAnnotations,
  type AnnotationContext,
} from '@ambient-operator/worker';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Sum of one counter's samples over every worker's registry. */
async function counterSum(cluster: TestCluster, name: string): Promise<number> {
  let sum = 0;
  for (const worker of cluster.workers) {
    const metric = (await worker.registry.getMetricsAsJSON()).find((m) => m.name === name);
    for (const v of (metric?.values ?? []) as { value: number }[]) sum += v.value;
  }
  return sum;
}

describe('two workers and a competing writer', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster({ workers: 2 });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('the backend writing lastActivityTime and annotations all along loses nothing', async () => {
    await cluster.createSession('busy');
    let writes = 0;
    let lastActivity = '';
    let running = true;
    // The backend's habits, 100 times as often as its 10 s debounce: status.lastActivityTime on activity,
    // its own annotations on requests.
    const writer = (async () => {
      while (running) {
        await new Promise((r) => setTimeout(r, 100));
        lastActivity = new Date(Date.now() + writes).toISOString();
        await cluster.custom.patchNamespacedCustomObjectStatus(
          { ...GROUP, namespace: 'demo', name: 'busy', body: { status: { lastActivityTime: lastActivity } } },
          mergePatch,
        );
        await cluster.custom.patchNamespacedCustomObject(
          {
            ...GROUP,
            namespace: 'demo',
            name: 'busy',
            body: { metadata: { annotations: { 'example.com/touch': String(writes) } } },
          },
          mergePatch,
        );
        writes++;
      }
    })();
    await cluster.waitForSession(
      'busy',
      (s) => s.status?.phase === 'Running',
      'Running under concurrent writes',
    );
    await eventually(
      async () => writes,
      (n) => n >= 5,
      'the writer to have written a few times while Running',
    );
    await cluster.annotate('busy', { 'ambient-code.io/desired-phase': 'Stopped' });
    await cluster.waitForSession(
      'busy',
      (s) => s.status?.phase === 'Stopped',
      'Stopped under concurrent writes',
    );
    running = false;
    await writer;

    const final = await cluster.getSession('busy');
    expect(writes).toBeGreaterThan(5);
    expect(final.status?.lastActivityTime).toBe(lastActivity);
    expect(final.metadata.annotations?.['example.com/touch']).toBe(String(writes - 1));
    expect(final.status?.stoppedReason).toBe('user');
    expect(final.metadata.annotations?.['ambient-code.io/desired-phase']).toBeUndefined();
  });

  test('transition counters summed over the workers equal the transitions that happened', async () => {
    const names = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
    for (const name of names) await cluster.createSession(name);
    for (const name of names)
      await cluster.waitForSession(name, (s) => s.status?.phase === 'Running', 'Running');
    for (const name of names.slice(0, 3))
      await cluster.annotate(name, { 'ambient-code.io/desired-phase': 'Stopped' });
    for (const name of names.slice(0, 3))
      await cluster.waitForSession(name, (s) => s.status?.phase === 'Stopped', 'Stopped');

    const recorded = async () => {
      const list = (await cluster.custom.listNamespacedCustomObject({ ...GROUP, namespace: 'demo' })) as {
        items: { status?: { phaseHistory?: unknown[] } }[];
      };
      return list.items.reduce((n, s) => n + (s.status?.phaseHistory?.length ?? 0), 0);
    };
    // Every session here had fewer than 20 transitions, so phaseHistory holds all of them.
    await eventually(
      async () => [await counterSum(cluster, 'ambient_session_phase_transitions_total'), await recorded()],
      ([counted, inHistory]) => counted === inHistory,
      'counters to equal the recorded transitions',
    );
    const created = (await cluster.custom.listNamespacedCustomObject({ ...GROUP, namespace: 'demo' })) as {
      items: unknown[];
    };
    expect(await counterSum(cluster, 'ambient_sessions_total')).toBe(created.items.length);
    const reconciles = await Promise.all(
      cluster.workers.map((w) => w.registry.getSingleMetricAsString('ambient_reconcile_total')),
    );
    expect(
      reconciles.every(
        (text) => /outcome="success"} [1-9]/.test(text) || /outcome="requeue_after"} [1-9]/.test(text),
      ),
    ).toBe(true);
  });

  // Two reconciles of one key at once (a Redis flush drops the queue's locks): B writes its status between A's read
  // and A's annotation patch, which has no resourceVersion precondition. A's status write, decided from its read, must
  // then meet a 409, not land over B's status (B's phaseHistory entries lost, the transitions counted twice).
  test("an annotation patch after another writer's status write leaves the status write's precondition failing", async () => {
    // A namespace without ambient-code.io/managed: the cluster's own workers leave the session alone.
    const namespace = 'unmanaged-race';
    await cluster.core.createNamespace({ body: { metadata: { name: namespace } } });
    await cluster.createSession('race', {}, undefined, namespace);
    const deps = { api: makeKubeClients(cluster.kc) };
    const ref = { namespace, name: 'race' };
    const read = async (): Promise<AnnotationContext> => {
      const object = await readStoredObject(deps, GROUP, ref);
      if (object === null) throw new Error('race is gone');
      return {
        deps,
        session: { ...object, status: undefined },
        resourceVersion: object.metadata.resourceVersion,
      };
    };
    const entry = (reason: string) => ({ to: 'Pending', at: new Date().toISOString(), reason });
    const statusWrite = (ctx: AnnotationContext, reason: string) =>
      patchStatus(
        deps,
        GROUP,
        { ...ref, resourceVersion: ctx.resourceVersion },
        { phase: 'Pending', phaseHistory: [entry(reason)] },
      );

    // Alone, our own annotation patch moves the precondition along: the status write that follows lands.
    const alone = await read();
    await setSessionAnnotations(alone, { 'example.com/alone': 'yes' });
    await statusWrite(alone, 'Alone');

    // Both decided from the same read and set the same operator-owned annotation (ensureRunnerToken does): B's
    // patch and status write land first, so A's patch changes nothing (the API server answers B's object as is).
    const owned = { 'example.com/runner-token-secret': 'race-token' };
    const a = await read();
    const b = await read();
    await setSessionAnnotations(b, owned);
    await statusWrite(b, 'WrittenByB');
    await setSessionAnnotations(a, owned);
    const error = await statusWrite(a, 'WrittenByA').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isConflict(error)).toBe(true);
    const stored = (await cluster.custom.getNamespacedCustomObject({ ...GROUP, ...ref })) as {
      status?: { phaseHistory?: { reason: string }[] };
    };
    expect(stored.status?.phaseHistory?.map((e) => e.reason)).toEqual(['WrittenByB']);
  });
});
