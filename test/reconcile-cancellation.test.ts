// Cancellation and time limits of a reconcile: the queue's signal reaches every Kubernetes call, a hung reconcile
// is aborted at the reconcile timeout and retried, a run whose lock was lost stops writing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  LockLostError,
  createSessionQueue,
  makeKubeClients,
  mergePatch,
  startQueueWorker,
  type QueueWorker,
  type ReconcileReport,
} from '@ambient-operator/shared';
import {
  REDIS_URL,
  eventually,
  requireSim,
  startTestCluster,
  type TestCluster,
} from '@ambient-operator/testing';

async function counterValue(
  counter: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await counter.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('a reconcile hanging on an API call', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster({ worker: { reconcileTimeoutMs: 1000 } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('is aborted at the reconcile timeout and the key is reconciled again, once', async () => {
    // Every API request now takes 3 s: the first reconcile of the new session hangs on its first GET.
    requireSim(cluster).faults.configure({ latencyMs: 3000 });
    await cluster.createSession('hung');
    const { metrics } = cluster.worker;
    await eventually(
      () => counterValue(metrics.sessionErrors, { error_type: 'TIMEOUT' }),
      (n) => n >= 1,
      'a reconcile aborted by the timeout',
      30_000,
    );
    expect(await counterValue(metrics.reconcileTotal, { outcome: 'retryable' })).toBeGreaterThanOrEqual(1);

    requireSim(cluster).faults.configure({ latencyMs: 0 });
    const session = await cluster.waitForSession(
      'hung',
      (s) => s.status?.phase === 'Creating',
      'reconciled after the API recovered',
      30_000,
    );
    // No double effect: one run started, one runner Job, one new-session transition counted.
    expect(session.status?.['phaseHistory']).toHaveLength(2);
    const jobs = await cluster.batch.listNamespacedJob({ namespace: cluster.namespace });
    expect(jobs.items.filter((j) => j.metadata?.name === 'hung-runner')).toHaveLength(1);
    expect(await counterValue(metrics.sessionsTotal, { namespace: cluster.namespace })).toBe(1);
  });
});

describe('a reconcile whose job lock was lost', () => {
  let cluster: TestCluster;
  const prefix = `test-lock-${randomUUID().slice(0, 8)}`;
  const workers: QueueWorker[] = [];
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    for (const w of workers) await w.close({ force: true });
    await cluster?.stop();
  });

  test('is aborted by BullMQ lock loss, and none of its API writes lands afterwards', async () => {
    const api = makeKubeClients(cluster.kc);
    const { namespace } = cluster;
    await api.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'writes' }, data: {} } });

    // Worker A renews its lock only after it has expired (lock 1 s, renewal at ≥ 4 s), so worker B's stalled check
    // hands the key to B meanwhile and A's renewal then fails: a real lock loss, reported by BullMQ.
    let lastWriteByA = -1;
    let startedWrites = 0;
    let startedBeforeAbort: number | undefined;
    let loopOfA: Promise<unknown> | undefined;
    const reportsOfA: ReconcileReport[] = [];
    let runsOfB = 0;
    workers.push(
      startQueueWorker({
        connection: REDIS_URL,
        prefix,
        concurrency: 1,
        lockDurationMs: 1000,
        lockRenewTimeMs: 4000,
        stalledIntervalMs: 500,
        rateLimit: null,
        process: (_key, { signal }) => {
          if (loopOfA) return Promise.resolve({}); // later runs (the retry after the loss) do nothing
          signal.addEventListener('abort', () => (startedBeforeAbort = startedWrites));
          // A reconcile that keeps writing and never looks at its signal: only the API calls carry it.
          loopOfA = (async () => {
            for (let n = 0; ; n++) {
              startedWrites = n + 1;
              await api.core.patchNamespacedConfigMap(
                { namespace, name: 'writes', body: { data: { a: String(n) } } },
                mergePatch,
              );
              lastWriteByA = n;
              await new Promise((r) => setTimeout(r, 50));
            }
          })();
          return loopOfA.then(() => ({}));
        },
        onReconciled: (r) => reportsOfA.push(r),
      }),
    );
    const queue = createSessionQueue({ connection: REDIS_URL, prefix });
    try {
      await queue.enqueue(`${namespace}/lock-test`);
      await eventually(
        async () => lastWriteByA,
        (n) => n >= 0,
        'worker A writing',
      );
      workers.push(
        startQueueWorker({
          connection: REDIS_URL,
          prefix,
          lockDurationMs: 1000,
          stalledIntervalMs: 500,
          rateLimit: null,
          process: async () => {
            runsOfB++;
            return {};
          },
        }),
      );
      await eventually(
        async () => reportsOfA,
        (r) => r.some((x) => x.error instanceof LockLostError),
        'worker A told its lock was lost',
        30_000,
      );
      // A's loop ends at its next call, which carries the aborted signal.
      const ended = await loopOfA!.then(
        () => 'finished',
        (err: unknown) => (err instanceof Error ? err.name : String(err)),
      );
      expect(ended).toBe('AbortError');
      // Only a write already in flight when the lock was lost may have landed; none started later did.
      const stored = await api.core.readNamespacedConfigMap({ namespace, name: 'writes' });
      expect(Number(stored.data?.['a'])).toBeLessThan(startedBeforeAbort!);
      expect(Number(stored.data?.['a'])).toBeGreaterThanOrEqual(lastWriteByA);
      expect(runsOfB).toBeGreaterThanOrEqual(1);
    } finally {
      await queue.close();
    }
  });
});
