// Test plumbing: kube-sim with our CRDs, a client-node client, queue inspection, bounded waits, child watchers.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { startKubeSim, type KubeSim } from '@ambient-operator/kube-sim';
import { SharedAgentKubeConfig, createSessionQueue, type SessionQueue } from '@ambient-operator/shared';
export { deletePrefix } from '@ambient-operator/shared/test-redis';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const crdsDir = path.join(repoRoot, 'deploy/crds');

export function uniquePrefix(label: string): string {
  return `test-${label}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export async function startSim(namespaces: string[] = ['team-a', 'team-b']): Promise<KubeSim> {
  const sim = await startKubeSim({ port: 0, crdsDir });
  sim.createObjects(
    namespaces.map((name) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'ambient-code.io/managed': 'true' } },
    })),
  );
  return sim;
}

/**
 * A client config for the simulator. kube-sim serves plain HTTP, which client-node only accepts with
 * insecure-skip-tls-verify; its kubeconfig does not set that (yet), so it is added here.
 */
export function kubeConfigFor(sim: KubeSim): SharedAgentKubeConfig {
  const loaded = new SharedAgentKubeConfig();
  loaded.loadFromString(sim.kubeconfig);
  const kc = new SharedAgentKubeConfig();
  kc.loadFromOptions({
    clusters: loaded.clusters.map((c) => ({ ...c, skipTLSVerify: true })),
    users: loaded.users,
    contexts: loaded.contexts,
    currentContext: loaded.currentContext,
  });
  return kc;
}

export class Sessions {
  private readonly api: CustomObjectsApi;
  constructor(kc: KubeConfig) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }
  private ref(namespace: string) {
    return { group: 'vteam.ambient-code', version: 'v1alpha1', namespace, plural: 'agenticsessions' };
  }
  async create(namespace: string, name: string): Promise<void> {
    await this.api.createNamespacedCustomObject({
      ...this.ref(namespace),
      body: {
        apiVersion: 'vteam.ambient-code/v1alpha1',
        kind: 'AgenticSession',
        metadata: { name, namespace },
        spec: { initialPrompt: 'hello' },
      },
    });
  }
  async label(namespace: string, name: string, value: string): Promise<void> {
    const current = (await this.api.getNamespacedCustomObject({ ...this.ref(namespace), name })) as {
      metadata: Record<string, unknown>;
    };
    await this.api.replaceNamespacedCustomObject({
      ...this.ref(namespace),
      name,
      body: { ...current, metadata: { ...current.metadata, labels: { touched: value } } },
    });
  }
  /** A merge patch of the annotations (`null` removes one). */
  async annotate(namespace: string, name: string, annotations: Record<string, string | null>): Promise<void> {
    await this.api.patchNamespacedCustomObject(
      { ...this.ref(namespace), name, body: { metadata: { annotations } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
  async delete(namespace: string, name: string): Promise<void> {
    await this.api.deleteNamespacedCustomObject({ ...this.ref(namespace), name });
  }
}

/** Reads and clears what the watcher put in the queue (no worker consumes it in these tests). */
export class QueueProbe {
  readonly queue: SessionQueue;
  constructor(connection: string, prefix: string) {
    this.queue = createSessionQueue({ connection, prefix });
  }
  async keys(): Promise<string[]> {
    const jobs = await this.queue.bullQueue.getJobs(['waiting', 'prioritized']);
    return jobs.map((j) => j.data.key).sort();
  }
  async has(...keys: string[]): Promise<boolean> {
    const present = new Set(await this.keys());
    return keys.every((k) => present.has(k));
  }
  async clear(): Promise<void> {
    await this.queue.bullQueue.drain(true);
  }
  close(): Promise<void> {
    return this.queue.close();
  }
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A private redis-server (for FLUSHALL/restart tests, so the shared Redis of other tests is never flushed). */
export interface PrivateRedis {
  url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const probe = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
    });
    probe.on('error', () => undefined);
    await waitFor(
      'redis-server to answer',
      async () => (await probe.ping().catch(() => '')) === 'PONG',
      10_000,
    );
    probe.disconnect();
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      await kill();
      await launch();
    },
    stop: kill,
  };
}

/** A watcher started as its own process through the CLI (`src/main.ts`). */
export interface ChildWatcher {
  pid: number;
  healthPort: number;
  metricsPort: number;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

const children = new Set<ChildProcess>();

export async function writeKubeconfig(sim: KubeSim): Promise<{ file: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'watcher-test-'));
  const file = path.join(dir, 'kubeconfig');
  await writeFile(file, kubeConfigFor(sim).exportConfig());
  return { file, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function spawnWatcher(options: {
  kubeconfigFile: string;
  redisUrl: string;
  prefix: string;
  namespace: string;
  args?: string[];
}): Promise<ChildWatcher> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(here, '../src/main.ts'),
      '--health-probe-bind-address=127.0.0.1:0',
      '--metrics-bind-address=127.0.0.1:0',
      ...(options.args ?? []),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        KUBECONFIG: options.kubeconfigFile,
        REDIS_URL: options.redisUrl,
        QUEUE_PREFIX: options.prefix,
        NAMESPACE: options.namespace,
        LOG_LEVEL: 'warn',
      },
    },
  );
  children.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  const started = await new Promise<{ healthPort: number; metricsPort: number }>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('"watcher":"started"'));
      if (line) resolve(JSON.parse(line) as { healthPort: number; metricsPort: number });
    });
    child.once('exit', (code) => reject(new Error(`watcher exited with ${code} before starting: ${out}`)));
  });
  return { pid: child.pid ?? -1, ...started, exited, kill: (s) => child.kill(s) };
}

export async function killAllWatchers(): Promise<void> {
  const waits = [...children].map(
    (c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))),
  );
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(waits);
}

export async function fetchText(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** Reads one sample from Prometheus text, e.g. metricValue(text, 'ambient_watcher_is_leader'). */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      (m[3] ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => {
          const [k, v] = kv.split('=');
          return [k, v?.replace(/^"|"$/g, '')];
        }),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return undefined;
}
