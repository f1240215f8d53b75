// MODE=test: the watcher only counts the ambient-api-server's events (for load-testing an api-server): exact
// counts per resource and event type on /metrics, nothing enqueued, no Kubernetes write.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApiSim, type ApiSim } from '@ambient-operator/api-sim';
import type { KubeSim } from '@ambient-operator/kube-sim';
import { AmbientApiClient, createSessionQueue, type SessionQueue } from '@ambient-operator/shared';
import { startWatcher, type Watcher } from '@ambient-operator/watcher';
import { kubeConfigFor, redisUrl, startSim, uniquePrefix } from './harness.js';

const TOKEN = 'tally-test-token-0123456789';
const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];

describe('api-server source in MODE=test', () => {
  let api: ApiSim;
  let sim: KubeSim;
  let watcher: Watcher;
  let queue: SessionQueue;

  beforeEach(async () => {
    // A buffer large enough that no event is dropped: this test is about the tally, not the overflow.
    api = await startApiSim({ token: TOKEN, watchBufferSize: 10_000 });
    sim = await startSim([]); // no managed namespace: nothing in the cluster to enqueue either
    const prefix = uniquePrefix('api-tally');
    queue = createSessionQueue({ connection: redisUrl, prefix });
    watcher = await startWatcher({
      kubeConfig: kubeConfigFor(sim),
      redis: redisUrl,
      queuePrefix: prefix,
      metricsBindAddress: { host: '127.0.0.1', port: 0 },
      apiServer: {
        client: new AmbientApiClient({ url: api.url, token: TOKEN }),
        grpcAddress: api.grpcAddress,
        token: TOKEN,
        mode: 'test',
      },
    });
  });
  afterEach(async () => {
    await watcher?.stop();
    await queue?.obliterate();
    await queue?.close();
    await sim?.stop();
    await api?.stop();
  });

  async function tally(): Promise<Record<string, number>> {
    const text = await fetch(`http://127.0.0.1:${watcher.metricsPort}/metrics`).then((r) => r.text());
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(
      /^ambient_watcher_api_events_total\{resource="(\w+)",type="(\w+)"\} (\d+)$/gm,
    ))
      counts[`${m[1]}/${m[2]}`] = Number(m[3]);
    return counts;
  }

  it('counts 1,000 events exactly and writes nothing', async () => {
    while (!watcher.apiSource!.states().every((s) => s.connected))
      await new Promise((r) => setTimeout(r, 20));
    const kubeWritesBefore = WRITE_VERBS.reduce((n, verb) => n + sim.requestCount({ verb }), 0);
    const ids: string[] = [];
    /** Polls /metrics until the counts reach `expected` (bounded). */
    async function reach(expected: Record<string, number>): Promise<Record<string, number>> {
      let counts = await tally();
      const deadline = Date.now() + 30_000;
      while (Object.entries(expected).some(([k, v]) => counts[k] !== v) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        counts = await tally();
      }
      return counts;
    }
    // 400 creates, 300 updates, 300 deletes. Events are re-read when sent, so the deletes wait until the
    // updates were delivered (an event of an object deleted before it is sent is skipped, as upstream).
    for (let i = 0; i < 400; i++) ids.push(String(api.store.create('sessions', { name: `s${i}` }).id));
    for (const id of ids.slice(0, 300)) api.store.updateStatus(id, { phase: 'Running' });
    await reach({ 'sessions/CREATED': 400, 'sessions/UPDATED': 300 });
    for (const id of ids.slice(100)) api.store.delete('sessions', id);
    const expected = { 'sessions/CREATED': 400, 'sessions/UPDATED': 300, 'sessions/DELETED': 300 };
    const counts = await reach(expected);
    expect(counts).toMatchObject({ ...expected, 'projects/CREATED': 0, 'project_settings/CREATED': 0 });
    const queued = await queue.counts();
    expect(queued.waiting + queued.prioritized + queued.active + queued.delayed).toBe(0);
    expect(WRITE_VERBS.reduce((n, verb) => n + sim.requestCount({ verb }), 0)).toBe(kubeWritesBefore);
  });
});
