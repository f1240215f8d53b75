// The ambient-api-server source, every part its own process (scripts/local-stack.ts with the embedded api-sim:
// kube-sim, Redis, api-sim, one watcher, two workers). The figures: API session → CR latency p50/p99,
// status write-backs per session lifecycle (create → Running → stop → Stopped → delete; counted by api-sim per
// session, with the writes that changed nothing), status writes of an idle system replaying every key, reconciles
// and CPU per session, and the recovery after a stream outage (changes made during it reconciled after it).
// Latencies and recovery are timed (noisy on a shared machine); writes, reconciles and CPU-seconds are counts.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Watch } from '@kubernetes/client-node';
import {
  API_SESSION_ID_LABEL,
  SharedAgentKubeConfig,
  createSessionQueue,
  type SessionQueue,
} from '@ambient-operator/shared';
import { startLocalStack, type LocalStack } from '../scripts/local-stack.js';
import type { BenchOptions, BenchResults } from './measure.js';

const TOKEN = 'bench-api-server-token-0123456789';
const NAMESPACE = 'demo';
const CR_PATH = `/apis/vteam.ambient-code/v1alpha1/namespaces/${NAMESPACE}/agenticsessions`;
/** Sessions POSTed at once: a client's burst, so latency includes some queueing, as in use. */
const CREATE_CONCURRENCY = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench api-server: no ${what} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** user+system CPU seconds of a process so far (Linux /proc; 0 where unavailable). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
}

class ApiServerBench {
  /** When each session's CR was first seen, by api-server session id. */
  private readonly crSeen = new Map<string, number>();
  private readonly crGone = new Set<string>();
  private stopWatch: (() => void) | undefined;

  private readonly queue: SessionQueue;

  constructor(
    private readonly stack: LocalStack,
    private readonly kc: SharedAgentKubeConfig,
  ) {
    this.queue = createSessionQueue({ connection: stack.redis, prefix: stack.queuePrefix });
  }

  async watchCrs(): Promise<void> {
    const req = await new Watch(this.kc).watch(
      CR_PATH,
      {},
      (type: string, obj: { metadata?: { labels?: Record<string, string> } }) => {
        const id = obj.metadata?.labels?.[API_SESSION_ID_LABEL];
        if (!id) return;
        if (type === 'ADDED' && !this.crSeen.has(id)) this.crSeen.set(id, performance.now());
        if (type === 'DELETED') this.crGone.add(id);
      },
      () => undefined,
    );
    this.stopWatch = () => req.abort();
  }

  async close(): Promise<void> {
    this.stopWatch?.();
    await this.queue.close();
  }

  async call(method: string, apiPath: string, body?: unknown): Promise<Record<string, unknown>> {
    const base = apiPath.startsWith('/sim/') ? '' : '/api/ambient/v1';
    const res = await fetch(`${this.stack.apiServer!.url}${base}${apiPath}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`bench api-server: ${method} ${apiPath}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  /** Creates `names` (CREATE_CONCURRENCY at a time); resolves each id with its API → CR latency once seen. */
  async create(names: readonly string[]): Promise<{ ids: string[]; latenciesMs: number[] }> {
    const sent = new Map<string, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: CREATE_CONCURRENCY }, async () => {
        while (next < names.length) {
          const name = names[next++]!;
          const started = performance.now();
          const created = await this.call('POST', '/sessions', { name, project_id: NAMESPACE });
          sent.set(String(created.id), started);
        }
      }),
    );
    const ids = [...sent.keys()];
    await until('CR of every session', async () => this.crsSeen(ids), 120_000);
    return { ids, latenciesMs: ids.map((id) => this.crSeen.get(id)! - sent.get(id)!) };
  }

  async countIn(phase: string, ids: readonly string[]): Promise<number> {
    const wanted = new Set(ids);
    const search = encodeURIComponent(`phase = '${phase}'`);
    const page = await this.call('GET', `/sessions?size=65500&search=${search}`);
    return (page.items as { id: string }[]).filter((s) => wanted.has(s.id)).length;
  }

  crsSeen(ids: readonly string[]): boolean {
    return ids.every((id) => this.crSeen.has(id));
  }

  crsGone(ids: readonly string[]): boolean {
    return ids.every((id) => this.crGone.has(id));
  }

  async statusWrites(): Promise<Record<string, { writes: number; unchanged: number }>> {
    return (await this.call('GET', '/sim/status-writes')).sessions as Record<
      string,
      { writes: number; unchanged: number }
    >;
  }

  async requests(route: string): Promise<number> {
    return ((await this.call('GET', '/sim/stats')).requests as Record<string, number>)[route] ?? 0;
  }

  async reconciles(): Promise<number> {
    let sum = 0;
    for (const name of ['worker-1', 'worker-2']) {
      const text = await fetch(`${this.stack.process(name)!.metricsUrl!}/metrics`).then((r) => r.text());
      for (const m of text.matchAll(/^ambient_reconcile_total\{[^}]*\} (\S+)$/gm)) sum += Number(m[1]);
    }
    return sum;
  }

  /** Nothing waiting or running in the queue (delayed timers may stay). */
  async drained(): Promise<void> {
    await until(
      'queue drained',
      async () => {
        const c = await this.queue.counts();
        return c.waiting + c.prioritized + c.active === 0;
      },
      120_000,
    );
  }

  async cpuSeconds(): Promise<number> {
    const all = await Promise.all(this.stack.processes.map((p) => cpuSecondsOf(p.pid)));
    return all.reduce((a, b) => a + b, 0);
  }
}

export async function benchApiServer(opts: BenchOptions): Promise<BenchResults> {
  const sessions = opts.quick ? 10 : 200;
  // Long enough for the outage's 3 creates and 2 deletes to land inside it; recovery is timed from its end.
  const outageMs = opts.quick ? 1_500 : 10_000;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-api-server-'));
  const stack = await startLocalStack({
    localDir: dir,
    workers: 2,
    dashboard: false,
    // The watcher and workers as the image runs them (the bench built the bundles first); under tsx, starting
    // them took most of this suite's time on 2 cores.
    operatorForm: 'bundle',
    output: null,
    apiServer: { token: TOKEN },
    env: { LOG_LEVEL: 'warn' },
  });
  const kc = new SharedAgentKubeConfig();
  kc.loadFromFile(stack.kubeconfigPath);
  const bench = new ApiServerBench(stack, kc);
  try {
    await bench.watchCrs();
    await bench.call('POST', '/sim/requests/reset');
    const cpuBefore = await bench.cpuSeconds();
    const reconcilesBefore = await bench.reconciles();

    // One lifecycle per session: create → Running → stop → Stopped → delete (CR gone).
    const { ids, latenciesMs } = await bench.create(Array.from({ length: sessions }, (_, i) => `b${i}`));
    await until(
      'every session Running',
      async () => (await bench.countIn('Running', ids)) === sessions,
      300_000,
    );
    for (const id of ids) await bench.call('POST', `/sessions/${id}/stop`);
    await until(
      'every session Stopped',
      async () => (await bench.countIn('Stopped', ids)) === sessions,
      300_000,
    );
    const writes = await bench.statusWrites();
    for (const id of ids) await bench.call('DELETE', `/sessions/${id}`);
    await until('every CR gone', async () => bench.crsGone(ids), 120_000);
    const reconciles = (await bench.reconciles()) - reconcilesBefore;
    const cpu = (await bench.cpuSeconds()) - cpuBefore;
    const perSession = ids.map((id) => writes[id] ?? { writes: 0, unchanged: 0 });
    const totalWrites = perSession.reduce((n, w) => n + w.writes, 0);
    const unchanged = perSession.reduce((n, w) => n + w.unchanged, 0);

    // Idle: every session of a second batch Running, then a relist replays every key; nothing may be written.
    const idle = await bench.create(Array.from({ length: sessions }, (_, i) => `idle${i}`));
    await until(
      'idle batch Running',
      async () => (await bench.countIn('Running', idle.ids)) === sessions,
      300_000,
    );
    await bench.drained(); // the echo reconciles of the last Running writes
    await bench.call('POST', '/sim/requests/reset');
    await bench.call('POST', '/sim/faults', { dropStreams: true });
    await until(
      'every idle session read again',
      async () => (await bench.requests('rest GET /sessions/{id}')) >= sessions,
      120_000,
    );
    await bench.drained();
    const idleWrites = await bench.requests('rest PATCH /sessions/{id}/status');

    // Outage: streams refused while sessions are created and deleted; recovery = outage end → all reconciled.
    await bench.call('POST', '/sim/faults', { streamOutage: true });
    const outageStarted = Date.now();
    const born: string[] = [];
    for (let i = 0; i < 3; i++)
      born.push(
        String((await bench.call('POST', '/sessions', { name: `born${i}`, project_id: NAMESPACE })).id),
      );
    const doomed = idle.ids.slice(0, 2);
    for (const id of doomed) await bench.call('DELETE', `/sessions/${id}`);
    await sleep(Math.max(0, outageMs - (Date.now() - outageStarted)));
    await bench.call('POST', '/sim/faults', { streamOutage: false });
    const outageEnded = performance.now();
    await until(
      'every change of the outage reconciled',
      async () => bench.crsSeen(born) && bench.crsGone(doomed),
      120_000,
    );
    const recoveryMs = performance.now() - outageEnded;

    const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
    return {
      api_to_cr_latency_p50: {
        value: Math.round(percentile(latenciesMs, 50)),
        unit: 'ms',
        note: `timed: POST /sessions sent → AgenticSession ADDED on a watch; ${sessions} sessions, ${CREATE_CONCURRENCY} POSTs in flight`,
      },
      api_to_cr_latency_p99: {
        value: Math.round(percentile(latenciesMs, 99)),
        unit: 'ms',
        note: `timed; as p50 (max ${Math.round(Math.max(...latenciesMs))} ms)`,
      },
      status_writes_per_lifecycle: {
        value: round(totalWrites / sessions, 2),
        unit: 'PATCHes',
        note: `count: PATCH /sessions/{id}/status per session, create → Running → stop → Stopped (api-sim per-session counts); ${unchanged} of ${totalWrites} changed nothing`,
      },
      idle_status_writes_after_relist: {
        value: idleWrites,
        unit: 'PATCHes',
        note: `count: ${sessions} Running sessions, streams dropped → reconnect → relist → every key reconciled again`,
      },
      reconciles_per_lifecycle: {
        value: round(reconciles / sessions),
        unit: 'reconciles',
        note: 'count: ambient_reconcile_total over both workers / sessions, api-session and CR keys together, create → delete',
      },
      cpu_per_lifecycle: {
        value: Math.round((cpu / sessions) * 1000),
        unit: 'ms CPU',
        note: 'CPU-seconds of every stack process (kube-sim, api-sim, Redis, watcher, workers) / sessions, create → delete',
      },
      recovery_after_stream_outage: {
        value: Math.round(recoveryMs),
        unit: 'ms',
        note: `timed: streams refused ${outageMs / 1000} s while 3 sessions were created and 2 deleted → outage ends → every CR there/gone`,
      },
    };
  } finally {
    await bench.close();
    kc.destroyAgent();
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
