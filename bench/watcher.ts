// Watcher benchmarks: RSS with many sessions (metadata-only watcher vs a client-node full-object informer), and
// leader failover time (SIGTERM, SIGKILL) between two watcher processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKubeSim, type KubeSim } from '@ambient-operator/kube-sim';
import { createSessionQueue, defaultRedisUrl } from '@ambient-operator/shared';
import { ratio, type BenchOptions, type BenchResults } from './measure.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const redisUrl = process.env.REDIS_URL ?? defaultRedisUrl;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

// Runs in a child process (plain JS through tsx, resolved from the repo root), reports RSS once N sessions are known.
const metadataWatcherScript = `
import { SharedAgentKubeConfig } from '@ambient-operator/shared';
import { startWatcher } from '@ambient-operator/watcher';
const [file, redisUrl, prefix, n] = process.argv.slice(1);
const kc = new SharedAgentKubeConfig(); kc.loadFromFile(file);
const w = await startWatcher({ kubeConfig: kc, redis: redisUrl, queuePrefix: prefix, namespaceScope: ['bench'] });
while (w.knownSessions() < Number(n)) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 500)); globalThis.gc?.(); await new Promise((r) => setTimeout(r, 200)); globalThis.gc?.();
console.log(JSON.stringify({ rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed }));
await w.stop(); process.exit(0);
`;

// Baseline: what upstream does — a client-node informer caching full AgenticSession objects.
const informerScript = `
import { SharedAgentKubeConfig } from '@ambient-operator/shared';
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/packages/watcher/package.json');
const k8s = require('@kubernetes/client-node');
const [file, n] = process.argv.slice(1);
const kc = new SharedAgentKubeConfig(); kc.loadFromFile(file);
const co = kc.makeApiClient(k8s.CustomObjectsApi);
const ref = { group: 'vteam.ambient-code', version: 'v1alpha1', namespace: 'bench', plural: 'agenticsessions' };
const inf = k8s.makeInformer(kc, '/apis/vteam.ambient-code/v1alpha1/namespaces/bench/agenticsessions', () => co.listNamespacedCustomObject(ref));
await inf.start();
while (inf.list().length < Number(n)) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 500)); globalThis.gc?.(); await new Promise((r) => setTimeout(r, 200)); globalThis.gc?.();
console.log(JSON.stringify({ rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed }));
await inf.stop(); process.exit(0);
`;

/** Runs inline JS (`script`) or, when it ends in `.ts`, that file from the repo root. */
async function runChild(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ lines: string[]; child: ChildProcess }> {
  const entry = script.endsWith('.ts') ? [script] : ['--input-type=module', '-e', script];
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', ...entry, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  child.stdout?.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  return { lines, child };
}

async function memoryOf(script: string, args: string[]): Promise<{ rss: number; heapUsed: number }> {
  const { lines, child } = await runChild(script, args);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const line = lines.find((l) => l.includes('"rss"'));
  if (!line) throw new Error(`bench child exited ${code} without a result: ${lines.join('\n')}`);
  return JSON.parse(line) as { rss: number; heapUsed: number };
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
  const start = async () => {
    const { lines, child } = await runChild(
      'packages/watcher/src/main.ts',
      ['--leader-elect', '--health-probe-bind-address=0', '--metrics-bind-address=0'],
      {
        KUBECONFIG: file,
        REDIS_URL: redisUrl,
        QUEUE_PREFIX: prefix,
        NAMESPACE: 'default',
        LOG_LEVEL: 'warn',
      },
    );
    while (!lines.some((l) => l.includes('"watcher":"started"'))) await sleep(20);
    return child;
  };
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
    const watcher = await memoryOf(metadataWatcherScript, [file, redisUrl, prefix, String(n)]);
    const informer = await memoryOf(informerScript, [file, String(n)]);
    const fo = await failover(sim, file, !opts.quick);
    const results: BenchResults = {
      watcher_heap: {
        value: Math.round(watcher.heapUsed / 1048576),
        unit: 'MiB',
        baseline: Math.round(informer.heapUsed / 1048576),
        ratio: ratio(watcher.heapUsed, informer.heapUsed),
        note: `${n} sessions; metadata-only watcher vs client-node informer of full objects (JS heap after GC)`,
      },
      watcher_rss: {
        value: Math.round(watcher.rss / 1048576),
        unit: 'MiB',
        baseline: Math.round(informer.rss / 1048576),
        ratio: ratio(watcher.rss, informer.rss),
        note: `${n} sessions; same, process RSS (includes tsx/module overhead and peak-list pages not returned to the OS)`,
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
