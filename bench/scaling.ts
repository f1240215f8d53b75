// Horizontal scaling: the whole system as separate processes (scripts/local-stack.ts: kube-sim CLI, a Redis of its
// own, the watcher, 4 workers), kube-sim adding 20 ms to every request. Sessions created at once; throughput =
// sessions reaching Running per second, with 4, then 2, then 1 worker (workers are stopped between rounds).
// The same runs give Redis commands per reconcile (INFO commandstats on the stack's own Redis) and worker RSS.
// Then the burst, on a stack of its own as production runs it (2 workers at their default concurrency, kube-sim
// without added latency): 1,000 sessions created at once, then 10,000 more, each measured until every runner Job
// exists and every session is Running, with where the time went (--quick: 100, on the rounds' stack).
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { startLocalStack, type LocalStack } from '../scripts/local-stack.js';
import { ratio, type BenchOptions, type BenchResults } from './measure.js';
import { PRODUCTION_FORM, rssOf } from './operator-process.js';
import { postJson, watchLines } from './burst-client.js';
import { rawBullmq } from './queue.js';
import { commandsSince, redisCommands, topCommands, totalCommands as total } from './redis-commands.js';

const SESSIONS = { group: 'vteam.ambient-code', version: 'v1alpha1', plural: 'agenticsessions' };
const NAMESPACE = 'demo';
/** Worker processes per round, most first (each round stops the workers it does not use). */
const WORKER_COUNTS = [4, 2, 1];
/** --quick: fewer processes to start, so the whole quick run stays under a minute (its ratio is 2 vs 1). */
const QUICK_WORKER_COUNTS = [2, 1];
/** Reconciles per worker process: small, so the workers (not the shared API rate limit of 100/s) are the limit. */
const CONCURRENCY = 2;
const LATENCY_MS = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function reconcilesOf(stack: LocalStack, workers: readonly string[]): Promise<number> {
  let sum = 0;
  for (const name of workers) {
    const url = stack.process(name)?.metricsUrl;
    if (!url) continue;
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const m of text.matchAll(/^ambient_reconcile_total\{[^}]*\} (\S+)$/gm)) sum += Number(m[1]);
  }
  return sum;
}

/** The AgenticSession the suite creates (the rounds through client-node, the bursts through burst-client.ts). */
function sessionBody(name: string) {
  return {
    apiVersion: 'vteam.ambient-code/v1alpha1',
    kind: 'AgenticSession',
    metadata: { name },
    spec: { initialPrompt: 'scale' },
  };
}

function createSession(custom: CustomObjectsApi, name: string): Promise<unknown> {
  return custom.createNamespacedCustomObject({ ...SESSIONS, namespace: NAMESPACE, body: sessionBody(name) });
}

interface Round {
  workers: number;
  perSecond: number;
  reconciles: number;
  /** Redis calls by command during the round. */
  redisCalls: Map<string, number>;
  peakWorkerRss: number;
}

async function round(
  stack: LocalStack,
  custom: CustomObjectsApi,
  redis: Redis,
  workers: number,
  sessions: number,
): Promise<Round> {
  const names = Array.from({ length: workers }, (_, i) => `worker-${i + 1}`);
  const prefix = `scale${workers}-`;
  const commandsBefore = await redisCommands(redis);
  const reconcilesBefore = await reconcilesOf(stack, names);
  let peakWorkerRss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const n of names) {
        const pid = stack.process(n)?.pid;
        if (pid) peakWorkerRss = Math.max(peakWorkerRss, await rssOf(pid));
      }
      await sleep(200);
    }
  })();
  // Running as the watch delivers it: no LIST every 50 ms through client-node (each one waited kube-sim's added
  // latency and took the bench's CPU from the system it times), and the round ends at the event.
  const progress = watchProgress(stack.kubeSimUrl, prefix);
  await progress.opened;
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: sessions }, (_, i) => createSession(custom, `${prefix}${i}`)));
    const deadline = Date.now() + 300_000;
    while (progress.running() < sessions) {
      if (Date.now() > deadline)
        throw new Error(`bench scaling: ${workers} worker(s) did not run ${sessions} sessions`);
      await Promise.race([progress.changed(), sleep(1000)]);
    }
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  // The follow-up reconciles of the last status writes belong to this round too.
  await sleep(500);
  sampling = false;
  await sampler;
  const reconciles = (await reconcilesOf(stack, names)) - reconcilesBefore;
  return {
    workers,
    perSecond: sessions / seconds,
    reconciles,
    redisCalls: commandsSince(commandsBefore, await redisCommands(redis)),
    peakWorkerRss,
  };
}

export async function benchScaling(opts: BenchOptions): Promise<BenchResults> {
  if (opts.quick) return benchRounds(opts, burstAfterRounds);
  const rounds = await benchRounds(opts);
  const bursts = await benchBursts();
  return { ...rounds, ...bursts };
}

/**
 * --quick: the burst of 100 on the rounds' stack rather than one of its own (starting and stopping a second
 * stack was about a fifth of this suite's time): kube-sim's added latency off, both workers started again at
 * their default concurrency (MAX_CONCURRENT_RECONCILES=0 leaves it to the flag's default), so the burst runs as
 * the full run's does, beside the rounds' Running sessions.
 */
async function burstAfterRounds(stack: LocalStack): Promise<BenchResults> {
  await setLatency(stack, 0);
  await Promise.all(
    ['worker-1', 'worker-2'].map((name) => stack.restart(name, { MAX_CONCURRENT_RECONCILES: '0' })),
  );
  return runBursts(stack, [100], "; on the rounds' stack, workers restarted");
}

async function setLatency(stack: LocalStack, latencyMs: number): Promise<void> {
  const put = await fetch(`${stack.kubeSimUrl}/sim/faults`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ latencyMs }),
  });
  if (!put.ok) throw new Error(`bench scaling: kube-sim refused the latency: ${put.status}`);
}

async function benchRounds(
  opts: BenchOptions,
  after?: (stack: LocalStack) => Promise<BenchResults>,
): Promise<BenchResults> {
  const sessions = opts.quick ? 12 : 200;
  const counts = opts.quick ? QUICK_WORKER_COUNTS : WORKER_COUNTS;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-scaling-'));
  const booted = performance.now();
  const stack = await startLocalStack({
    localDir: dir,
    workers: Math.max(...counts),
    dashboard: false,
    // The watcher and workers as the image runs them (the bench built the bundles first).
    operatorForm: 'bundle',
    output: null,
    env: { LOG_LEVEL: 'warn', MAX_CONCURRENT_RECONCILES: String(CONCURRENCY) },
  });
  process.stderr.write(`scaling: system up in ${((performance.now() - booted) / 1000).toFixed(1)} s\n`);
  // The stack spawned its own single Redis (no REDIS_* given): INFO commandstats counts every command.
  if (stack.redis.mode !== 'standalone') throw new Error("bench scaling: needs the stack's own Redis");
  const redis = new Redis(stack.redis.url);
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(stack.kubeconfigPath);
    const custom = kc.makeApiClient(CustomObjectsApi);
    await setLatency(stack, LATENCY_MS);
    const rounds: Round[] = [];
    for (const workers of counts) {
      // Fewer workers: stop the extra processes (SIGTERM: they finish in-flight reconciles first).
      for (let i = workers + 1; i <= Math.max(...counts); i++)
        if (stack.process(`worker-${i}`)) await stack.kill(`worker-${i}`);
      rounds.push(await round(stack, custom, redis, workers, sessions));
      process.stderr.write(
        `scaling: ${workers} worker(s): ${rounds.at(-1)!.perSecond.toFixed(1)} sessions/s\n`,
      );
    }
    const by = (n: number) => rounds.find((r) => r.workers === n)!;
    const results: BenchResults = {};
    for (const n of counts) {
      results[`throughput_${n}_workers`] = {
        value: Math.round(by(n).perSecond * 10) / 10,
        unit: 'sessions/s',
        ...(n === 1
          ? {}
          : {
              baseline: Math.round(by(1).perSecond * 10) / 10,
              ratio: ratio(by(n).perSecond, by(1).perSecond),
            }),
        note: `${sessions} sessions created at once → all Running; ${n} worker process(es) × concurrency ${CONCURRENCY}, kube-sim +${LATENCY_MS} ms per request`,
      };
    }
    // Over all rounds: every Redis call of the system (watcher, workers, BullMQ's Lua scripts) per reconcile run.
    const calls = new Map<string, number>();
    for (const r of rounds) for (const [cmd, n] of r.redisCalls) calls.set(cmd, (calls.get(cmd) ?? 0) + n);
    const reconciles = rounds.reduce((sum, r) => sum + r.reconciles, 0);
    const per = (n: number) => (reconciles === 0 ? 0 : n / reconciles);
    const scripts = (calls.get('evalsha') ?? 0) + (calls.get('eval') ?? 0);
    // The yardstick in the same run on the same Redis: a raw BullMQ job (add, take, complete).
    const raw = await rawBullmq(stack.redis.url, 1000);
    results.redis_commands_per_reconcile = {
      value: Math.round(per(total(calls)) * 10) / 10,
      unit: 'commands',
      baseline: Math.round(raw.commandsPerRun * 10) / 10,
      ratio: ratio(per(total(calls)), raw.commandsPerRun),
      note: `INFO commandstats delta / ${reconciles} reconciles, whole system incl. commands inside Lua scripts, vs one raw BullMQ job (add, take, complete; 1,000 no-op jobs on the same Redis); ${per(scripts).toFixed(1)} script calls (EVALSHA) per reconcile; top: ${topCommands(calls, reconciles)}`,
    };
    results.worker_rss_under_load = {
      value: Math.round(Math.max(...rounds.map((r) => r.peakWorkerRss)) / 1048576),
      unit: 'MiB',
      note: `peak RSS of one worker process while the rounds ran (${PRODUCTION_FORM}; target ≤ 150); ${rounds.map((r) => `${r.workers}w: ${Math.round(r.peakWorkerRss / 1048576)}`).join(', ')}`,
    };
    return after ? { ...results, ...(await after(stack)) } : results;
  } finally {
    redis.disconnect();
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** CPU seconds (user + system) a process has used, from /proc (0 where unavailable). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
}

/** The sum of every sample of the named metrics over the workers' /metrics, by metric name. */
async function workerSums(stack: LocalStack, workers: readonly string[], names: readonly string[]) {
  const sums = new Map<string, number>(names.map((n) => [n, 0]));
  for (const name of workers) {
    const url = stack.process(name)?.metricsUrl;
    if (!url) continue;
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const m of text.matchAll(/^(\w+)(?:\{[^}]*\})? (\S+)$/gm))
      if (sums.has(m[1]!)) sums.set(m[1]!, sums.get(m[1]!)! + Number(m[2]));
  }
  return sums;
}

async function simRequests(stack: LocalStack): Promise<Record<string, number>> {
  return (await (await fetch(`${stack.kubeSimUrl}/sim/requests`)).json()) as Record<string, number>;
}

/** Every runner Job and every Running session, as watch events deliver them (watches cost no request). */
function watchProgress(kubeSimUrl: string, prefix: string) {
  const jobs = new Set<string>();
  const running = new Set<string>();
  const waiters: (() => void)[] = [];
  let stopping = false;
  const ended = (err: Error | undefined) => {
    if (err && !stopping) process.stderr.write(`scaling: a progress watch ended: ${String(err)}\n`);
  };
  const watches = [
    // Only a Job's name is read: its metadata is enough.
    watchLines(
      `${kubeSimUrl}/apis/batch/v1/namespaces/${NAMESPACE}/jobs`,
      true,
      (type, job) => {
        if (type === 'ADDED' && job.metadata?.name?.startsWith(prefix)) jobs.add(job.metadata.name);
        for (const w of waiters.splice(0)) w();
      },
      ended,
    ),
    watchLines(
      `${kubeSimUrl}/apis/${SESSIONS.group}/${SESSIONS.version}/namespaces/${NAMESPACE}/${SESSIONS.plural}`,
      false,
      (_type, s) => {
        const name = s.metadata?.name;
        if (name?.startsWith(prefix) && s.status?.phase === 'Running') running.add(name);
        for (const w of waiters.splice(0)) w();
      },
      ended,
    ),
  ];
  return {
    opened: Promise.all(watches.map((w) => w.opened)),
    jobs: () => jobs.size,
    running: () => running.size,
    /** Resolves at the next event. */
    changed: () => new Promise<void>((resolve) => waiters.push(resolve)),
    stop: () => {
      stopping = true;
      for (const w of watches) w.stop();
    },
  };
}

interface Burst {
  sessions: number;
  allJobsMs: number;
  allRunningMs: number;
  createdMs: number;
  cpuSeconds: Map<string, number>;
  requestsPerSession: number;
  reconcilesPerSession: number;
  meanQueueWaitMs: number;
  meanReconcileMs: number;
}

/** `n` sessions created as fast as 100 requests in flight allow; times until every Job, then every session Running. */
async function burst(stack: LocalStack, n: number): Promise<Burst> {
  const prefix = `burst${n}-`;
  const workers = stack.running().filter((p) => p.name.startsWith('worker-'));
  const metricNames = [
    'ambient_reconcile_total',
    'ambient_queue_wait_duration_seconds_sum',
    'ambient_queue_wait_duration_seconds_count',
    'ambient_reconcile_duration_seconds_sum',
    'ambient_reconcile_duration_seconds_count',
  ];
  const progress = watchProgress(stack.kubeSimUrl, prefix);
  await progress.opened;
  const cpuBefore = new Map(
    await Promise.all(stack.running().map(async (p) => [p.name, await cpuSecondsOf(p.pid)] as const)),
  );
  const metricsBefore = await workerSums(
    stack,
    workers.map((w) => w.name),
    metricNames,
  );
  const requestsBefore = await simRequests(stack);
  const sessionsUrl = `${stack.kubeSimUrl}/apis/${SESSIONS.group}/${SESSIONS.version}/namespaces/${NAMESPACE}/${SESSIONS.plural}`;
  const benchCpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(100, n) }, async () => {
      while (next < n) {
        const i = next++;
        await postJson(sessionsUrl, sessionBody(`${prefix}${i}`));
      }
    }),
  );
  const createdMs = performance.now() - started;
  let allJobsMs = 0;
  const deadline = Date.now() + 60_000 + n * 100;
  while (progress.running() < n) {
    if (allJobsMs === 0 && progress.jobs() >= n) allJobsMs = performance.now() - started;
    if (Date.now() > deadline)
      throw new Error(`bench scaling: ${n} burst sessions did not all reach Running`);
    await Promise.race([progress.changed(), sleep(1000)]);
  }
  const allRunningMs = performance.now() - started;
  if (allJobsMs === 0) allJobsMs = allRunningMs;
  progress.stop();
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const cpuSeconds = new Map<string, number>();
  for (const p of stack.running())
    cpuSeconds.set(p.name, (await cpuSecondsOf(p.pid)) - (cpuBefore.get(p.name) ?? 0));
  // The bench's own creates and progress watches share the 2 cores with the operator.
  cpuSeconds.set('bench', (benchCpu.user + benchCpu.system) / 1e6);
  const metrics = await workerSums(
    stack,
    workers.map((w) => w.name),
    metricNames,
  );
  const delta = (name: string) => metrics.get(name)! - metricsBefore.get(name)!;
  const requestsAfter = await simRequests(stack);
  const requests = Object.entries(requestsAfter)
    .filter(([key]) => !key.startsWith('watch '))
    .reduce((sum, [key, count]) => sum + count - (requestsBefore[key] ?? 0), 0);
  return {
    sessions: n,
    allJobsMs,
    allRunningMs,
    createdMs,
    cpuSeconds,
    // The bench's own creates are not the operator's.
    requestsPerSession: (requests - n) / n,
    reconcilesPerSession: delta('ambient_reconcile_total') / n,
    meanQueueWaitMs:
      (1000 * delta('ambient_queue_wait_duration_seconds_sum')) /
      Math.max(1, delta('ambient_queue_wait_duration_seconds_count')),
    meanReconcileMs:
      (1000 * delta('ambient_reconcile_duration_seconds_sum')) /
      Math.max(1, delta('ambient_reconcile_duration_seconds_count')),
  };
}

/** Where a burst's time went: mean queue wait and reconcile, the reconciles and requests it took, CPU per process. */
function burstNote(b: Burst): string {
  const cpu = [...b.cpuSeconds]
    .filter(([, s]) => s >= 0.05)
    .sort((x, y) => y[1] - x[1])
    .map(([name, s]) => `${name} ${s.toFixed(1)}`)
    .join(', ');
  return (
    `created in ${(b.createdMs / 1000).toFixed(1)} s; per session ${b.reconcilesPerSession.toFixed(2)} reconciles, ` +
    `${b.requestsPerSession.toFixed(1)} API requests; mean queue wait ${Math.round(b.meanQueueWaitMs)} ms, ` +
    `mean reconcile ${Math.round(b.meanReconcileMs)} ms; CPU s: ${cpu}`
  );
}

/** The full run's bursts, on a stack of their own. */
async function benchBursts(): Promise<BenchResults> {
  const sizes = [1000, 10_000];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-burst-'));
  const stack = await startLocalStack({
    localDir: dir,
    workers: 2,
    dashboard: false,
    // The watcher and workers as the image runs them (the bench built the bundles first).
    operatorForm: 'bundle',
    output: null,
    env: { LOG_LEVEL: 'warn' },
  });
  try {
    return await runBursts(stack, sizes);
  } finally {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The bursts of `sizes` sessions, one after the other, on `stack` (2 workers at default concurrency, no added latency). */
async function runBursts(stack: LocalStack, sizes: readonly number[], where = ''): Promise<BenchResults> {
  const results: BenchResults = {};
  for (const n of sizes) {
    const b = await burst(stack, n);
    process.stderr.write(
      `scaling: burst of ${n}: every Job after ${(b.allJobsMs / 1000).toFixed(1)} s, every session Running after ${(b.allRunningMs / 1000).toFixed(1)} s\n`,
    );
    results[`burst_${n}_all_jobs`] = {
      value: Math.round(b.allJobsMs),
      unit: 'ms',
      note: `${n} sessions created at once → every runner Job exists; 2 worker processes (default concurrency), kube-sim without added latency${where}`,
    };
    results[`burst_${n}_all_running`] = {
      value: Math.round(b.allRunningMs),
      unit: 'ms',
      note: `${n} sessions created at once → every session Running; ${burstNote(b)}`,
    };
  }
  return results;
}
