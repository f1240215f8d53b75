// Watcher benchmarks: RSS with many sessions (the watcher's production bundle, metadata only, vs a client-node
// full-object informer), its time to ready, and leader failover time (SIGTERM, SIGKILL) between watcher processes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKubeSim, type KubeSim } from '@ambient-operator/kube-sim';
import { createSessionQueue, defaultRedisUrl } from '@ambient-operator/shared';
import { z } from 'zod';
import { ratio, type BenchOptions, type BenchResults } from './measure.js';
import { PRODUCTION_FORM, metricValue, startOperatorProcess } from './operator-process.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const redisUrl = process.env.REDIS_URL ?? defaultRedisUrl;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Memory is read this long after the last session is known (no forced GC: what the kubelet sees). */
const SETTLE_MS = 2000;

function session(ns: string, i: number): object {
  return {
    apiVersion: 'vteam.ambient-code/v1alpha1',
    kind: 'AgenticSession',
    metadata: { name: `s-${i}`, namespace: ns, labels: { 'ambient-code.io/project': ns } },
    spec: {
      initialPrompt: `Refactor module ${i}: `.padEnd(400, 'x'),
      displayName: `Session ${i}`,
      repos: [{ url: `https://github.com/example/repo-${i % 50}.git`, branch: 'main' }],
      llmSettings: { model: 'claude-sonnet-4', temperature: 0.7, maxTokens: 4000 },
      timeout: 3600,
    },
  };
}

// Baseline: what upstream does — a client-node informer caching full AgenticSession objects. Plain JavaScript run by
// node (no TypeScript loader), the Kubernetes client resolved from the watcher's package, as the watcher would.
const informerScript = `
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(process.cwd() + '/packages/watcher/package.json');
const k8s = require('@kubernetes/client-node');
const [file, n] = process.argv.slice(1);
const kc = new k8s.KubeConfig(); kc.loadFromFile(file);
const co = kc.makeApiClient(k8s.CustomObjectsApi);
const ref = { group: 'vteam.ambient-code', version: 'v1alpha1', namespace: 'bench', plural: 'agenticsessions' };
const inf = k8s.makeInformer(kc, '/apis/vteam.ambient-code/v1alpha1/namespaces/bench/agenticsessions', () => co.listNamespacedCustomObject(ref));
await inf.start();
while (inf.list().length < Number(n)) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, ${SETTLE_MS}));
const rss = Number(/^VmRSS:\\s+(\\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
console.log(JSON.stringify({ rss, heapUsed: process.memoryUsage().heapUsed }));
await inf.stop(); process.exit(0);
`;

async function informerMemory(file: string, n: number): Promise<{ rss: number; heapUsed: number }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', informerScript, file, String(n)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  child.stdout.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const line = lines.find((l) => l.includes('"rss"'));
  if (!line) throw new Error(`bench informer exited ${code} without a result: ${lines.join('\n')}`);
  return z.object({ rss: z.number(), heapUsed: z.number() }).parse(JSON.parse(line));
}

/** The watcher's bundle watching `n` sessions: time to ready, and its memory once it knows them all. */
async function watcherMemory(
  file: string,
  prefix: string,
  n: number,
  onKnown: () => void,
): Promise<{ rss: number; heapUsed: number; readyMs: number; knownMs: number }> {
  const watcher = await startOperatorProcess('watcher', ['--namespace-scope=bench'], {
    KUBECONFIG: file,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    NAMESPACE: 'default',
    MODE: 'kube',
  });
  try {
    const spawnedAt = performance.now() - watcher.readyMs;
    while (((await metricValue(watcher.metricsUrl, 'ambient_watcher_known_sessions')) ?? 0) < n)
      await sleep(100);
    const knownMs = performance.now() - spawnedAt;
    onKnown();
    await sleep(SETTLE_MS);
    const rss = await watcher.rss();
    const heapUsed = (await metricValue(watcher.metricsUrl, 'nodejs_heap_size_used_bytes')) ?? 0;
    return { rss, heapUsed, readyMs: watcher.readyMs, knownMs };
  } finally {
    await watcher.stop();
  }
}

async function failover(
  sim: KubeSim,
  file: string,
  withKill: boolean,
): Promise<{ termMs: number; killMs?: number }> {
  const prefix = `bench-lease-${randomBytes(3).toString('hex')}`;
  const holder = async () => {
    const res = await fetch(
      `${sim.url}/apis/coordination.k8s.io/v1/namespaces/default/leases/ambient-session-watcher`,
      {
        headers: { Authorization: 'Bearer kube-sim' },
      },
    );
    if (res.status !== 200) return undefined;
    const lease = (await res.json()) as { spec?: { holderIdentity?: string } };
    const id = lease.spec?.holderIdentity;
    return id ? Number(id.split('_').at(-1)) : undefined;
  };
  const start = async () =>
    (
      await startOperatorProcess('watcher', ['--leader-elect'], {
        KUBECONFIG: file,
        REDIS_URL: redisUrl,
        QUEUE_PREFIX: prefix,
        NAMESPACE: 'default',
        MODE: 'kube',
      })
    ).child;
  // One after the other: the leader's start (its resync of every key) runs while the standby starts, as when a
  // standby joins a running leader.
  const procs = [await start(), await start()];
  try {
    const waitHolder = async (pred: (pid: number | undefined) => boolean) => {
      while (!pred(await holder())) await sleep(20);
    };
    await waitHolder((p) => p !== undefined);
    const leaderPid = await holder();
    const leader = procs.find((p) => p.pid === leaderPid)!;
    const standby = procs.find((p) => p !== leader)!;
    const termAt = Date.now();
    leader.kill('SIGTERM');
    await waitHolder((p) => p === standby.pid);
    const termMs = Date.now() - termAt;
    if (!withKill) return { termMs };
    const third = await start();
    procs.push(third);
    const killAt = Date.now();
    standby.kill('SIGKILL');
    await waitHolder((p) => p === third.pid);
    return { termMs, killMs: Date.now() - killAt };
  } finally {
    const exits = procs.map((p) =>
      p.exitCode !== null || p.signalCode !== null
        ? Promise.resolve()
        : new Promise((r) => p.once('exit', r)),
    );
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(exits);
    const q = createSessionQueue({ connection: redisUrl, prefix });
    await q.obliterate().catch(() => undefined);
    await q.close();
  }
}

export async function benchWatcher(opts: BenchOptions): Promise<BenchResults> {
  const n = opts.quick ? 5000 : 50_000;
  const sim = await startKubeSim({
    port: 0,
    crdsDir: path.join(repoRoot, 'deploy/crds'),
    controllers: { kubelet: false, jobs: false },
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-watcher-'));
  const file = path.join(dir, 'kubeconfig');
  const prefix = `bench-watch-${randomBytes(3).toString('hex')}`;
  try {
    await writeFile(file, sim.kubeconfig);
    sim.createObjects([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }]);
    for (let i = 0; i < n; i += 1000) {
      sim.createObjects(Array.from({ length: Math.min(1000, n - i) }, (_, j) => session('bench', i + j)));
    }
    // The informer process starts once the watcher knows every session: the watcher's figures left to read are
    // memory only (it idles while it settles), so the two need not take turns.
    let informerRun: Promise<{ rss: number; heapUsed: number }> | undefined;
    const watcher = await watcherMemory(file, prefix, n, () => {
      informerRun = informerMemory(file, n);
      informerRun.catch(() => undefined); // reported where it is awaited
    }).catch(async (err: unknown) => {
      await informerRun?.catch(() => undefined);
      throw err;
    });
    // The failover's watchers start while the informer lists and settles: its figures are memory, which their CPU
    // does not change, and the failover's is timed from the leader's SIGTERM, after both watchers started.
    const [informerDone, failoverDone] = await Promise.allSettled([
      informerRun!,
      failover(sim, file, !opts.quick),
    ]);
    if (informerDone.status === 'rejected') throw informerDone.reason;
    if (failoverDone.status === 'rejected') throw failoverDone.reason;
    const informer = informerDone.value;
    const fo = failoverDone.value;
    const results: BenchResults = {
      watcher_heap: {
        value: Math.round(watcher.heapUsed / 1048576),
        unit: 'MiB',
        baseline: Math.round(informer.heapUsed / 1048576),
        ratio: ratio(watcher.heapUsed, informer.heapUsed),
        note: `${n} sessions; metadata-only watcher (${PRODUCTION_FORM}) vs client-node informer of full objects (plain node); JS heap ${SETTLE_MS / 1000} s after the last one is known, no forced GC`,
      },
      watcher_rss: {
        value: Math.round(watcher.rss / 1048576),
        unit: 'MiB',
        baseline: Math.round(informer.rss / 1048576),
        ratio: ratio(watcher.rss, informer.rss),
        note: `${n} sessions; same, process RSS (target ≤ 150 MiB and ≤ 0.3×)`,
      },
      watcher_ready: {
        value: Math.round(watcher.readyMs),
        unit: 'ms',
        note: `spawn → /readyz 200 with ${n} sessions to list (${PRODUCTION_FORM}; target ≤ 1000; timed, noisy under load)`,
      },
      watcher_all_known: {
        value: Math.round(watcher.knownMs),
        unit: 'ms',
        note: `spawn → all ${n} sessions in the watcher's index (timed)`,
      },
      leader_failover_sigterm: {
        value: fo.termMs,
        unit: 'ms',
        note: 'leader SIGTERM → standby holds the Lease (target ≤ 3000)',
      },
    };
    if (fo.killMs !== undefined) {
      results.leader_failover_sigkill = {
        value: fo.killMs,
        unit: 'ms',
        note: 'leader SIGKILL → standby holds the Lease (target ≤ 17000)',
      };
    }
    return results;
  } finally {
    const q = createSessionQueue({ connection: redisUrl, prefix });
    await q.obliterate().catch(() => undefined);
    await q.close();
    await rm(dir, { recursive: true, force: true });
    await sim.stop();
  }
}
