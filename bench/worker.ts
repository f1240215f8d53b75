// Worker benchmarks: create→Running latency, a burst of sessions, API requests per session lifecycle,
// and the API cost of idle Running sessions against upstream's 30 s polling model.
import { startTestCluster, type TestCluster } from '@ambient-operator/testing';
import { ratio, type BenchOptions, type BenchResults } from './measure.js';

const sessionsApi = {
  group: 'vteam.ambient-code',
  version: 'v1alpha1',
  plural: 'agenticsessions',
  namespace: 'demo',
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Phases of every session in `demo`, read with one LIST (counted separately from the operator's requests). */
async function phases(cluster: TestCluster): Promise<Map<string, string>> {
  const list = (await cluster.custom.listNamespacedCustomObject(sessionsApi)) as {
    items: { metadata: { name: string }; status?: { phase?: string } }[];
  };
  return new Map(list.items.map((s) => [s.metadata.name, s.status?.phase ?? '']));
}

async function until(
  cluster: TestCluster,
  done: (p: Map<string, string>) => boolean,
  timeoutMs: number,
): Promise<number> {
  let reads = 0;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    reads++;
    if (done(await phases(cluster))) return reads;
    if (Date.now() > deadline) throw new Error('bench: sessions did not reach the expected phases in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function createToRunningLatency(cluster: TestCluster, n: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const name = `lat-${i}`;
    const started = performance.now();
    await cluster.createSession(name);
    await until(cluster, (p) => p.get(name) === 'Running', 30_000);
    latencies.push(performance.now() - started);
  }
  return latencies.sort((a, b) => a - b);
}

/** Requests the operator made for one create → Running → stop → Stopped, the bench's own excluded. */
async function requestsPerLifecycle(cluster: TestCluster): Promise<number> {
  cluster.sim.resetRequestCounts();
  await cluster.createSession('lifecycle');
  let ownReads = await until(cluster, (p) => p.get('lifecycle') === 'Running', 30_000);
  await cluster.annotate('lifecycle', { 'ambient-code.io/desired-phase': 'Stopped' });
  ownReads += await until(cluster, (p) => p.get('lifecycle') === 'Stopped', 30_000);
  // Let the follow-up reconciles of the last writes finish before counting.
  await new Promise((r) => setTimeout(r, 500));
  const own = 1 /* create */ + 1 /* annotate */ + ownReads; /* LISTs */
  const total = cluster.sim.requestCount();
  const watchOpens = cluster.sim.requestCount({ verb: 'watch' });
  return total - own - watchOpens;
}

/** Waits until the follow-up reconciles of earlier changes are done: a quiet second with no API request. */
async function settle(cluster: TestCluster, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    cluster.sim.resetRequestCounts();
    await new Promise((r) => setTimeout(r, 1000));
    if (cluster.sim.requestCount() - cluster.sim.requestCount({ verb: 'watch' }) === 0) return;
    if (Date.now() > deadline) return;
  }
}

export async function benchWorker(opts: BenchOptions): Promise<BenchResults> {
  const cluster = await startTestCluster({ workers: 2 });
  try {
    const latencies = await createToRunningLatency(cluster, opts.quick ? 15 : 50);
    const perLifecycle = await requestsPerLifecycle(cluster);

    const burst = opts.quick ? 200 : 1000;
    const burstStarted = performance.now();
    await Promise.all(Array.from({ length: burst }, (_, i) => cluster.createSession(`burst-${i}`)));
    let jobsAt = 0;
    await until(
      cluster,
      (p) => {
        const running = [...p].filter(([n, ph]) => n.startsWith('burst-') && ph === 'Running').length;
        if (jobsAt === 0 && cluster.sim.objectCount('batch', 'jobs') >= burst) jobsAt = performance.now();
        return running === burst;
      },
      300_000,
    );
    const allRunningMs = performance.now() - burstStarted;
    const allJobsMs = (jobsAt || performance.now()) - burstStarted;

    // Idle: every session Running, nothing changes. Our cost is only what deadlines ask for.
    const running = [...(await phases(cluster)).values()].filter((p) => p === 'Running').length;
    const windowMs = opts.quick ? 10_000 : 30_000;
    await settle(cluster);
    cluster.sim.resetRequestCounts();
    await new Promise((r) => setTimeout(r, windowMs));
    const idlePerMinute =
      ((cluster.sim.requestCount() - cluster.sim.requestCount({ verb: 'watch' })) * 60_000) / windowMs;

    // Upstream reconciles every Running session every 30 s; one steady Running reconcile costs what a resync costs.
    cluster.sim.resetRequestCounts();
    await cluster.watcher.resyncNow();
    await new Promise((r) => setTimeout(r, opts.quick ? 3000 : 8000));
    const perReconcile =
      (cluster.sim.requestCount() - cluster.sim.requestCount({ verb: 'watch' })) / Math.max(1, running);
    const upstreamPerMinute = running * 2 * perReconcile;

    return {
      create_to_running_p50: {
        value: Math.round(percentile(latencies, 50)),
        unit: 'ms',
        note: `${latencies.length} sessions one at a time, 2 workers`,
      },
      create_to_running_p99: { value: Math.round(percentile(latencies, 99)), unit: 'ms' },
      api_requests_per_lifecycle: {
        value: perLifecycle,
        unit: 'requests',
        note: 'create → Running → stop → Stopped, operator requests only (watch opens excluded)',
      },
      burst_all_jobs: {
        value: Math.round(allJobsMs),
        unit: 'ms',
        note: `${burst} sessions created at once → every runner Job exists`,
      },
      burst_all_running: {
        value: Math.round(allRunningMs),
        unit: 'ms',
        note: `${burst} sessions created at once → every session Running`,
      },
      idle_api_requests_per_minute: {
        value: Math.round(idlePerMinute),
        unit: 'req/min',
        baseline: Math.round(upstreamPerMinute),
        ratio: ratio(idlePerMinute, upstreamPerMinute),
        note: `${running} idle Running sessions over ${windowMs / 1000} s vs upstream's 30 s poll at ${perReconcile.toFixed(1)} requests per reconcile`,
      },
    };
  } finally {
    await cluster.stop();
  }
}
