import { startKubeSim } from './kube-sim.js';

export interface BenchKubeSimOptions {
  /** Custom resources seeded before measuring memory. @defaultValue 50000 */
  sessions?: number;
  /** Requests per throughput measure (GET and PATCH). @defaultValue 3000 */
  requests?: number;
  /** Concurrent HTTP requests in flight. @defaultValue 16 */
  concurrency?: number;
  /** Concurrent watchers for the fan-out measure. @defaultValue 10 */
  watchers?: number;
  /** Writes whose events every watcher must receive. @defaultValue 2000 */
  watchWrites?: number;
  /** The CRD to seed instances of (defaults to a minimal AgenticSession-shaped CRD). */
  crd?: object;
}

export interface BenchKubeSimResult {
  getRequestsPerSecond: number;
  patchRequestsPerSecond: number;
  /** Watch events delivered per second, summed over all watchers. */
  watchEventsPerSecond: number;
  /** Resident set size with `sessions` custom resources stored, in MiB. */
  rssMiB: number;
  /** Time to create `sessions` objects in-process, in milliseconds. */
  seedMs: number;
  /** Time to list every object in pages of 500 over HTTP, in milliseconds. */
  paginatedListMs: number;
  sessions: number;
}

const BENCH_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'agenticsessions.vteam.ambient-code' },
  spec: {
    group: 'vteam.ambient-code',
    scope: 'Namespaced',
    names: {
      plural: 'agenticsessions',
      singular: 'agenticsession',
      kind: 'AgenticSession',
      shortNames: ['as'],
    },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  initialPrompt: { type: 'string' },
                  timeout: { type: 'integer', default: 300 },
                  repos: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['url'],
                      properties: { url: { type: 'string' }, branch: { type: 'string', default: 'main' } },
                    },
                  },
                },
              },
              status: { type: 'object', properties: { phase: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
};

async function runConcurrently(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await task(next++);
    }),
  );
  return performance.now() - started;
}

/**
 * Measures kube-sim's request throughput, watch fan-out and memory at scale. Runs in-process over
 * real HTTP on loopback; figures depend on the machine.
 */
export async function benchKubeSim(options: BenchKubeSimOptions = {}): Promise<BenchKubeSimResult> {
  const sessions = options.sessions ?? 50_000;
  const requests = options.requests ?? 3000;
  const concurrency = options.concurrency ?? 16;
  const watcherCount = options.watchers ?? 10;
  const watchWrites = options.watchWrites ?? 2000;
  const sim = await startKubeSim({
    crds: [options.crd ?? BENCH_CRD],
    controllers: { jobs: false, kubelet: false },
    maxEvents: 0,
    namespaces: ['bench'],
  });
  const base = `${sim.url}/apis/vteam.ambient-code/v1alpha1/namespaces/bench/agenticsessions`;
  try {
    const seedStart = performance.now();
    const batch: object[] = [];
    for (let i = 0; i < sessions; i++) {
      batch.push({
        apiVersion: 'vteam.ambient-code/v1alpha1',
        kind: 'AgenticSession',
        metadata: { name: `s-${i}`, namespace: 'bench', labels: { app: 'bench' } },
        spec: { initialPrompt: `prompt ${i}`, repos: [{ url: `https://github.com/org/repo-${i % 100}` }] },
      });
      if (batch.length === 1000) sim.createObjects(batch.splice(0));
    }
    sim.createObjects(batch);
    const seedMs = performance.now() - seedStart;
    globalThis.gc?.();
    const rssMiB = process.memoryUsage().rss / 1024 / 1024;

    const listStart = performance.now();
    let token: string | undefined;
    let listed = 0;
    do {
      const res = await fetch(`${base}?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
      const page = (await res.json()) as { items: unknown[]; metadata: { continue?: string } };
      listed += page.items.length;
      token = page.metadata.continue;
    } while (token);
    const paginatedListMs = performance.now() - listStart;
    if (listed !== sessions) throw new Error(`paginated list returned ${listed} of ${sessions}`);

    const getMs = await runConcurrently(requests, concurrency, async (i) => {
      const res = await fetch(`${base}/s-${i % Math.max(1, sessions)}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`GET ${res.status}`);
    });
    const patchMs = await runConcurrently(requests, concurrency, async (i) => {
      const res = await fetch(`${base}/s-${i % Math.max(1, sessions)}/status`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ status: { phase: `P${i}` } }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`PATCH ${res.status}`);
    });

    // Watch fan-out: every watcher must see every write.
    const fromRv = String(sim.resourceVersion);
    const controllers: AbortController[] = [];
    const received = new Array<number>(watcherCount).fill(0);
    const watchersDone = Array.from({ length: watcherCount }, async (_, w) => {
      const controller = new AbortController();
      controllers.push(controller);
      const res = await fetch(`${base}?watch=true&resourceVersion=${fromRv}`, { signal: controller.signal });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      while (received[w]! < watchWrites) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          buffer = buffer.slice(nl + 1);
          received[w]!++;
        }
      }
      controller.abort();
    });
    while (sim.openWatches < watcherCount) await new Promise((r) => setTimeout(r, 5));
    const fanoutStart = performance.now();
    await runConcurrently(watchWrites, concurrency, async (i) => {
      const res = await fetch(`${base}/s-${i % Math.max(1, sessions)}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ metadata: { annotations: { bench: String(i) } } }),
      });
      await res.arrayBuffer();
    });
    await Promise.allSettled(watchersDone);
    const fanoutMs = performance.now() - fanoutStart;
    for (const c of controllers) c.abort();
    const delivered = received.reduce((a, b) => a + b, 0);
    return {
      getRequestsPerSecond: Math.round((requests / getMs) * 1000),
      patchRequestsPerSecond: Math.round((requests / patchMs) * 1000),
      watchEventsPerSecond: Math.round((delivered / fanoutMs) * 1000),
      rssMiB: Math.round(rssMiB),
      seedMs: Math.round(seedMs),
      paginatedListMs: Math.round(paginatedListMs),
      sessions,
    };
  } finally {
    await sim.stop();
  }
}
