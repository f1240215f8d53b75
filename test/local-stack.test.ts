import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { startKubeSim } from '@ambient-operator/kube-sim';
import { clusterKindFromEnv } from '@ambient-operator/testing';
import { REPO_ROOT } from '../scripts/local-stack.js';
import { eventually, run, waitForExit, waitForOutput } from './processes.js';

interface Ready {
  processes: { name: string; pid: number }[];
  kubeconfig: string;
  endpoints: { name: string; metricsUrl?: string; probesUrl?: string }[];
  prometheusConfig: string;
}

async function startStack(
  options: { dir?: string; args?: string[]; env?: Record<string, string> } = {},
): Promise<{ proc: ChildProcess; ready: Ready; dir: string; banner: string[] }> {
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'local-stack-')));
  // What `pnpm start` runs, without pnpm in between (it does not pass SIGTERM on).
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    // vitest sets MODE=test (Vite's mode), which the operator reads as its api-server MODE: not what a user has.
    env: {
      ...process.env,
      MODE: 'kube',
      LOCAL_DIR: dir,
      DASHBOARD_PORT: '0',
      WORKERS: '2',
      REDIS_URL: '',
      FRESH: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const banner: string[] = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    if (banner.length < 1000) banner.push(line);
  });
  const line = await waitForOutput(proc, /^ready: /);
  return { proc, ready: JSON.parse(line.slice('ready: '.length)) as Ready, dir, banner };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

const scrapeConfigSchema = z.object({
  scrape_configs: z.array(
    z.object({
      job_name: z.string(),
      metrics_path: z.literal('/metrics'),
      static_configs: z.array(
        z.object({ targets: z.array(z.string()), labels: z.object({ process: z.string() }) }),
      ),
    }),
  ),
});

/**
 * The banner names each watcher's and worker's /metrics, /healthz and /readyz, all of which answer, and
 * `.local/prometheus.yml` scrapes exactly those: real Prometheus (Debian's package) reports every target up.
 */
async function checkMetricsEndpoints(ready: Ready, banner: string[], dir: string): Promise<void> {
  const operators = ['watcher', 'worker-1', 'worker-2'];
  expect(ready.endpoints.map((e) => e.name)).toEqual(expect.arrayContaining(operators));
  for (const endpoint of ready.endpoints.filter((e) => operators.includes(e.name))) {
    const line = banner.find((l) => l.trim().startsWith(`${endpoint.name} `));
    expect(line, endpoint.name).toContain(`${endpoint.metricsUrl}/metrics`);
    expect(line, endpoint.name).toContain(`${endpoint.probesUrl}/healthz`);
    expect(line, endpoint.name).toContain(`${endpoint.probesUrl}/readyz`);
    const metrics = await fetch(`${endpoint.metricsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^ambient_/m);
    expect((await fetch(`${endpoint.probesUrl}/healthz`)).status).toBe(200);
  }
  expect(ready.prometheusConfig).toBe(path.join(dir, 'prometheus.yml'));
  expect(banner.join('\n')).toContain(ready.prometheusConfig);
  const config = scrapeConfigSchema.parse(parse(await readFile(ready.prometheusConfig, 'utf8')));
  const targets = config.scrape_configs.flatMap((job) =>
    job.static_configs.map((c) => [job.job_name, c.labels.process, `http://${c.targets[0]}`]),
  );
  expect(targets.sort()).toEqual(
    ready.endpoints
      .filter((e) => operators.includes(e.name))
      .map((e) => [e.name === 'watcher' ? 'ambient-watcher' : 'ambient-worker', e.name, e.metricsUrl])
      .sort(),
  );

  const port = await freePort();
  const prometheus = spawn(
    'prometheus',
    [
      `--config.file=${ready.prometheusConfig}`,
      `--storage.tsdb.path=${path.join(dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  try {
    const health = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/targets`).catch(() => undefined);
      if (!response?.ok) return [];
      const body = (await response.json()) as {
        data: { activeTargets: { labels: { process: string }; health: string }[] };
      };
      return body.data.activeTargets.map((t) => `${t.labels.process}:${t.health}`).sort();
    };
    await eventually(
      health,
      (h) => h.join(' ') === operators.map((o) => `${o}:up`).join(' '),
      'Prometheus scraping every target',
      90_000,
    );
  } finally {
    prometheus.kill('SIGTERM');
  }
}

describe('pnpm start (the local stack as separate processes)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  test('a session created with kubectl runs, stops, and Ctrl-C/SIGTERM leaves no process behind; the banner says where to scrape', async () => {
    const { proc, ready, dir, banner } = await startStack();
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await checkMetricsEndpoints(ready, banner, dir);
    const names = ready.processes.map((p) => p.name);
    const cluster = clusterKindFromEnv() === 'real' ? 'kube-real' : 'kube-sim';
    expect(names).toEqual(expect.arrayContaining(['redis', cluster, 'watcher', 'worker-1', 'worker-2']));

    const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', ready.kubeconfig, ...args]);
    const manifest = [
      'apiVersion: vteam.ambient-code/v1alpha1',
      'kind: AgenticSession',
      'metadata: { name: hello, namespace: demo }',
      'spec: { initialPrompt: "Say hello", displayName: Hello }',
    ].join('\n');
    const applied = await run('kubectl', ['--kubeconfig', ready.kubeconfig, 'apply', '-f', '-'], manifest);
    expect(applied.stderr).toBe('');
    const phase = () =>
      kubectl('get', 'as', 'hello', '-n', 'demo', '-o', 'jsonpath={.status.phase}').then((r) => r.stdout);
    await eventually(phase, (p) => p === 'Running', 'hello Running');
    const pods = await kubectl('get', 'pods', '-n', 'demo', '-l', 'agentic-session=hello', '-o', 'name');
    expect(pods.stdout.trim()).toMatch(/^pod\/hello-runner-/);

    await kubectl('annotate', 'as', 'hello', '-n', 'demo', 'ambient-code.io/desired-phase=Stopped');
    await eventually(phase, (p) => p === 'Stopped', 'hello Stopped');

    proc.kill('SIGTERM');
    const alive = await waitForExit([proc.pid!, ...ready.processes.map((p) => p.pid)]);
    expect(alive).toEqual([]);
  });

  // kube-sim's state file; the real control plane's etcd is temporary.
  test.skipIf(clusterKindFromEnv() === 'real')(
    'keeps the cluster in cluster.json (kube-sim --data format) across restarts; --fresh starts empty',
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'local-stack-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      // A cluster seeded by hand with `pnpm kube-sim --data <dir>/cluster.json`, then stopped.
      const seeder = await startKubeSim({ dataFile: path.join(dir, 'cluster.json'), namespaces: ['seeded'] });
      seeder.createObjects([
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'seed', namespace: 'seeded' },
          data: { a: '1' },
        },
      ]);
      await seeder.stop();

      const configMaps = async (ready: Ready) => {
        const got = await run('kubectl', [
          '--kubeconfig',
          ready.kubeconfig,
          'get',
          'configmaps',
          '-n',
          'seeded',
          '-o',
          'jsonpath={.items[*].metadata.name}',
        ]);
        return got.stdout.split(' ').filter((name) => name !== '');
      };
      const stopStack = async (proc: ChildProcess, ready: Ready) => {
        proc.kill('SIGTERM');
        expect(await waitForExit([proc.pid!, ...ready.processes.map((p) => p.pid)])).toEqual([]);
      };

      const first = await startStack({ dir });
      expect(await configMaps(first.ready)).toEqual(['seed']);
      const created = await run(
        'kubectl',
        ['--kubeconfig', first.ready.kubeconfig, 'apply', '-f', '-'],
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: later, namespace: seeded }\n',
      );
      expect(created.stderr).toBe('');
      await stopStack(first.proc, first.ready);

      const second = await startStack({ dir });
      expect((await configMaps(second.ready)).sort()).toEqual(['later', 'seed']);
      await stopStack(second.proc, second.ready);

      // FRESH=1 takes the same path as --fresh (scripts/start.ts); one more start here costs ~45 s of CI.
      {
        const restarted = await startStack({ dir, args: ['--fresh'] });
        const namespaces = await run('kubectl', [
          '--kubeconfig',
          restarted.ready.kubeconfig,
          'get',
          'ns',
          '-o',
          'name',
        ]);
        expect(namespaces.stdout).not.toContain('namespace/seeded');
        expect(namespaces.stdout).toContain('namespace/demo');
        await stopStack(restarted.proc, restarted.ready);
      }
    },
    300_000,
  );

  test('an unknown argument or a bad FRESH stops start-up with the usage', async () => {
    for (const [args, env] of [
      [['--fersh'], {}],
      [[], { FRESH: 'maybe' }],
    ] as const) {
      const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...args], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
      expect(code).toBe(2);
      expect(stderr).toMatch(/pnpm start: (unknown argument --fersh|FRESH: expected 1\/true\/yes)/);
    }
  });

  test('children exit on their own when the supervisor is killed with SIGKILL', async () => {
    const { proc, ready, dir } = await startStack();
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    proc.kill('SIGKILL');
    const alive = await waitForExit(ready.processes.map((p) => p.pid));
    for (const pid of alive) process.kill(pid, 'SIGKILL');
    expect(alive).toEqual([]);
  });

  test('a bad Redis setting stops pnpm start before anything starts, naming the setting', async () => {
    const result = await run(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], undefined, {
      cwd: REPO_ROOT,
      env: { REDIS_SENTINELS: 'redis-0:26379', REDIS_CLUSTER_NODES: 'redis-0:7000', MODE: 'kube' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'REDIS_SENTINELS and REDIS_CLUSTER_NODES are both set: choose Sentinel or Cluster',
    );
  });
});
