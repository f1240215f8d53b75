// The load acceptance against every part as its own process (api-sim, kube-sim, Redis, one watcher,
// two workers): 1,000 sessions created through the REST API all reach Running with their status written back
// once per change; a relist of them all (an idle system replaying every key) writes nothing; a worker killed
// while write-backs are in flight loses none. Counts are asserted (api-sim counts every status write per
// session and the ones that changed nothing); nothing here asserts speed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { ApiSession } from '@ambient-operator/api-contract';
import {
  AmbientApiClient,
  API_SESSION_ID_LABEL,
  SharedAgentKubeConfig,
  agenticSessionSchema,
  createSessionQueue,
  type SessionQueue,
} from '@ambient-operator/shared';
import { GROUP, eventually } from '@ambient-operator/testing';
import { statusWriteBack } from '@ambient-operator/worker';
import { startLocalStack, type LocalStack } from '../scripts/local-stack.js';
import { apiSimCaller } from './processes.js';

const TOKEN = 'scale-test-token-0123456789';
const NS = 'demo';
const SESSIONS = 1000;
/** POSTs in flight at once while creating (a client's burst, not one request at a time). */
const CREATE_CONCURRENCY = 25;
/**
 * A bound for a loaded CI machine, not a speed target (bench/api-server.ts measures speed): a session takes
 * about 8 reconciles to Running (its api-session key ~5: create, the CR's events, the echo of each status
 * write; its CR's key ~3), which the workers share under RECONCILE_RATE_LIMIT: 1,000 sessions need 8,000,
 * ≥ 27 s at the default 300/s however fast the machine (and the CPU of a reconcile on top).
 */
const RUNNING_WITHIN_MS = 600_000;
/** Reconciles one worker runs at once (set explicitly: the kill test's argument rests on it). */
const WORKER_CONCURRENCY = 10;

interface StatusWrites {
  writes: number;
  unchanged: number;
}

/** Runs `work` over `items` with at most `limit` calls in flight. */
async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!);
      }
    }),
  );
  return results;
}

describe('ambient-api-server source at 1,000 sessions, as processes', () => {
  let dir: string;
  let stack: LocalStack;
  let kc: SharedAgentKubeConfig;
  let custom: CustomObjectsApi;
  let client: AmbientApiClient;
  let queue: SessionQueue;

  const sim = (method: string, simPath: string, body?: unknown) =>
    apiSimCaller(stack.apiServer!.url, TOKEN)(method, simPath, body);
  const statusWrites = async () =>
    (await sim('GET', '/sim/status-writes')).sessions as Record<string, StatusWrites>;
  const create = async (name: string) =>
    String((await sim('POST', '/sessions', { name, project_id: NS })).id);
  /** How many sessions whose name starts with `prefix` are Running (one small query, not a list of them all). */
  const runningNamed = async (prefix: string) => {
    const search = encodeURIComponent(`name like '${prefix}%' and phase = 'Running'`);
    return Number((await sim('GET', `/sessions?size=0&search=${search}`)).total);
  };
  /** The API sessions of `ids`, each with its CR when there is one. */
  const withCrs = async (ids: ReadonlySet<string>) => {
    const [api, crs] = await Promise.all([
      client.listAll('sessions'),
      custom.listNamespacedCustomObject({
        ...GROUP,
        namespace: NS,
        labelSelector: API_SESSION_ID_LABEL,
      }) as Promise<{ items: unknown[] }>,
    ]);
    const crById = new Map(
      crs.items.map((item) => {
        const cr = agenticSessionSchema.parse(item);
        return [cr.metadata.labels?.[API_SESSION_ID_LABEL], cr];
      }),
    );
    return api.items.filter((s: ApiSession) => ids.has(s.id)).map((s) => ({ s, cr: crById.get(s.id) }));
  };
  /** The API sessions whose status differs from their CR's (what a write-back would still send). */
  const unsynced = async (ids: ReadonlySet<string>) =>
    (await withCrs(ids)).flatMap(({ s, cr }) => {
      const patch = cr ? statusWriteBack(cr, s) : { missingCr: true };
      return patch ? [{ id: s.id, patch }] : [];
    });
  /** Where the first sessions short of Running stand: their API phase, their CR's phase and both keys' jobs. */
  const notRunning = async (ids: ReadonlySet<string>) => {
    const stuck = (await withCrs(ids)).filter(({ s }) => s.phase !== 'Running').slice(0, 10);
    return Promise.all(
      stuck.map(async ({ s, cr }) => ({
        id: s.id,
        phase: s.phase,
        cr: cr && { name: cr.metadata.name, phase: cr.status?.phase },
        apiKey: await queue.keyJobs(`api-session:${s.id}`),
        crKey: cr && (await queue.keyJobs(`${NS}/${cr.metadata.name}`)),
      })),
    );
  };
  const drained = () =>
    eventually(
      () => queue.counts(),
      (c) => c.waiting + c.prioritized + c.active === 0,
      'queue drained',
      180_000,
    );
  /** Reconciles run so far, summed over the workers (every outcome). */
  const reconciles = async () => {
    let sum = 0;
    for (const name of ['worker-1', 'worker-2']) {
      const text = await fetch(`${stack.process(name)!.metricsUrl!}/metrics`).then((r) => r.text());
      for (const m of text.matchAll(/^ambient_reconcile_total\{[^}]*\} (\S+)$/gm)) sum += Number(m[1]);
    }
    return sum;
  };
  const relists = async () => {
    const metrics = await fetch(`${stack.process('watcher')!.metricsUrl!}/metrics`).then((r) => r.text());
    return [...metrics.matchAll(/^ambient_watcher_api_relists_total\{resource="sessions",[^}]*\} (\d+)$/gm)]
      .map((m) => Number(m[1]))
      .reduce((a, b) => a + b, 0);
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'api-scale-'));
    stack = await startLocalStack({
      localDir: dir,
      workers: 2,
      dashboard: false,
      output: null,
      apiServer: { token: TOKEN },
      env: { MAX_CONCURRENT_RECONCILES: String(WORKER_CONCURRENCY) },
    });
    kc = new SharedAgentKubeConfig();
    kc.loadFromFile(stack.kubeconfigPath);
    custom = kc.makeApiClient(CustomObjectsApi);
    client = new AmbientApiClient({ url: stack.apiServer!.url, token: TOKEN });
    queue = createSessionQueue({ connection: stack.redis, prefix: stack.queuePrefix });
  });
  afterAll(async () => {
    await queue?.close();
    await stack?.stop();
    kc?.destroyAgent();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test(
    '1,000 sessions created through the API all reach Running; each status change is written back once',
    async () => {
      await sim('POST', '/sim/requests/reset');
      const started = performance.now();
      const ids = new Set(
        await inParallel(
          Array.from({ length: SESSIONS }, (_, i) => `load-${i}`),
          CREATE_CONCURRENCY,
          create,
        ),
      );
      await eventually(
        () => runningNamed('load-'),
        (running) => running === SESSIONS,
        `${SESSIONS} sessions Running`,
        RUNNING_WITHIN_MS,
      ).catch(async (err: unknown) => {
        throw new Error(`${String(err)}; not Running: ${JSON.stringify(await notRunning(ids))}`);
      });
      await drained();
      expect(await unsynced(ids)).toEqual([]);
      const writes = await statusWrites();
      const perSession = [...ids].map((id) => writes[id] ?? { writes: 0, unchanged: 0 });
      // Every session was written back, and no write repeated what the API already held (a duplicate from
      // two workers, or a write-back of an echo, would count as unchanged).
      expect(perSession.filter((w) => w.writes === 0)).toEqual([]);
      expect(perSession.reduce((n, w) => n + w.unchanged, 0)).toBe(0);
      const total = perSession.reduce((n, w) => n + w.writes, 0);
      process.stdout.write(
        `api-server scale figures: ${JSON.stringify({
          sessions: SESSIONS,
          secondsToAllRunning: Math.round((performance.now() - started) / 1000),
          statusWritesPerSession: total / SESSIONS,
          reconcilesPerSession: (await reconciles()) / SESSIONS,
          // Events api-sim's broker dropped for a slow client (the watcher's catch-up lists bring them back).
          droppedWatchEvents: (await sim('GET', '/sim/stats')).droppedEvents,
        })}\n`,
      );
    },
    RUNNING_WITHIN_MS + 120_000,
  );

  test('an idle system sends zero status PATCHes, even when a relist replays every session', async () => {
    await drained();
    await sim('POST', '/sim/requests/reset');
    const before = await relists();
    // Dropping the streams makes the watcher reconnect and relist: all 1,000 keys are reconciled again.
    await sim('POST', '/sim/faults', { dropStreams: true });
    await eventually(relists, (n) => n > before, 'relist after reconnect', 30_000);
    const requests = async () => (await sim('GET', '/sim/stats')).requests as Record<string, number>;
    // Every session was read again by a worker (its key reconciled), and then nothing is left to run.
    await eventually(
      requests,
      (r) => (r['rest GET /sessions/{id}'] ?? 0) >= SESSIONS,
      'every session reconciled again',
      180_000,
    );
    await drained();
    expect((await requests())['rest PATCH /sessions/{id}/status'] ?? 0).toBe(0);
  }, 400_000);

  test('a worker killed -9 while status writes are in flight loses none', async () => {
    await sim('POST', '/sim/requests/reset');
    // Slow write-backs keep many of them in flight when the worker dies.
    await sim('POST', '/sim/faults', { latencyMs: 3000, latencyOperation: 'status' });
    const ids = new Set(
      await inParallel(
        Array.from({ length: 50 }, (_, i) => `kill-${i}`),
        CREATE_CONCURRENCY,
        create,
      ),
    );
    // More status writes held in api-sim than one worker can run at once (one per reconcile): some are
    // worker-1's when it dies.
    await eventually(
      async () =>
        ((await sim('GET', '/sim/stats')).inFlight as Record<string, number>)[
          'rest PATCH /sessions/{id}/status'
        ] ?? 0,
      (n) => n > WORKER_CONCURRENCY,
      'status writes of both workers in flight',
      60_000,
    );
    await stack.kill('worker-1', 'SIGKILL');
    await sim('POST', '/sim/faults', { reset: true });
    await eventually(
      () => runningNamed('kill-'),
      (running) => running === ids.size,
      'every session Running after the kill',
      120_000,
    );
    await eventually(
      () => unsynced(ids),
      (left) => left.length === 0,
      'every API status equal to its CR',
      60_000,
    );
  }, 300_000);
});
