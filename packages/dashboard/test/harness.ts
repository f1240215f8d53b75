// A real little world for dashboard tests: kube-sim over HTTP (real @kubernetes/client-node client), a real
// Redis with a key prefix of this test file's own, and the dashboard on a free port.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiSim, type ApiSim } from '@ambient-operator/api-sim';
import { startKubeSim, type KubeSim } from '@ambient-operator/kube-sim';
import {
  AmbientApiClient,
  SharedAgentKubeConfig,
  createSessionQueue,
  type SessionQueue,
} from '@ambient-operator/shared';
import { startWatcher, type Watcher } from '@ambient-operator/watcher';
import { startDashboard, type Dashboard, type DashboardOptions } from '@ambient-operator/dashboard';
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { deletePrefix } from '@ambient-operator/shared/test-redis';

export const CRDS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../deploy/crds');
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const GROUP = { group: 'vteam.ambient-code', version: 'v1alpha1', plural: 'agenticsessions' };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface SessionStatusInput {
  phase?: string;
  conditions?: {
    type: string;
    status: string;
    reason?: string;
    message?: string;
    lastTransitionTime?: string;
  }[];
  phaseHistory?: { from?: string; to: string; at: string; reason?: string }[];
  [field: string]: unknown;
}

export interface World {
  sim: KubeSim;
  kc: SharedAgentKubeConfig;
  core: CoreV1Api;
  batch: BatchV1Api;
  custom: CustomObjectsApi;
  redis: Redis;
  prefix: string;
  queue: SessionQueue;
  createSession(
    namespace: string,
    name: string,
    options?: { annotations?: Record<string, string>; status?: SessionStatusInput },
  ): Promise<void>;
  patchStatus(namespace: string, name: string, status: SessionStatusInput): Promise<void>;
  startDashboard(options?: Partial<DashboardOptions>): Promise<Dashboard>;
  stop(): Promise<void>;
}

/** Polls `read` until `predicate` holds; bounded, never a fixed sleep. */
export async function eventually<T>(
  read: () => Promise<T>,
  predicate: (value: T) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      if (predicate(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; last seen: ${JSON.stringify(last ?? String(lastError)).slice(0, 1000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function iso(msAgo: number): string {
  return new Date(Date.now() - msAgo).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export async function startWorld(namespaces: string[]): Promise<World> {
  const sim = await startKubeSim({ port: 0, crdsDir: CRDS_DIR, namespaces });
  // The watcher's Lease requests ride the process's one agent (shared's SharedAgentKubeConfig).
  const kc = new SharedAgentKubeConfig();
  kc.loadFromString(sim.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const prefix = `test-dashboard-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = createSessionQueue({ connection: redis, prefix });
  const dashboards: Dashboard[] = [];

  async function patchStatus(namespace: string, name: string, status: SessionStatusInput): Promise<void> {
    await custom.patchNamespacedCustomObjectStatus(
      { ...GROUP, namespace, name, body: { status } },
      mergePatch,
    );
  }

  return {
    sim,
    kc,
    core,
    batch,
    custom,
    redis,
    prefix,
    queue,
    patchStatus,
    async createSession(namespace, name, options = {}) {
      await custom.createNamespacedCustomObject({
        ...GROUP,
        namespace,
        body: {
          apiVersion: 'vteam.ambient-code/v1alpha1',
          kind: 'AgenticSession',
          metadata: { name, ...(options.annotations ? { annotations: options.annotations } : {}) },
          spec: { initialPrompt: 'hello' },
        },
      });
      if (options.status) await patchStatus(namespace, name, options.status);
    },
    async startDashboard(options = {}) {
      const dashboard = await startDashboard({
        kubeConfig: kc,
        connection: REDIS_URL,
        queue: { prefix },
        port: 0,
        cacheTtlMs: 200,
        ...options,
      });
      dashboards.push(dashboard);
      return dashboard;
    },
    async stop() {
      await Promise.all(dashboards.map((d) => d.close()));
      await queue.close();
      await deletePrefix(redis, prefix);
      await redis.quit();
      await sim.stop();
    },
  };
}

/** GET with optional Basic credentials; resolves status, headers and text. */
export async function get(
  url: string,
  auth?: { username: string; password: string },
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; text: string; compact: string }> {
  const headers = new Headers(init.headers);
  if (auth)
    headers.set(
      'Authorization',
      `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
    );
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, compact: compactHtml(text) };
}

/** The markup with the whitespace between and around tags removed, so assertions ignore formatting. */
export function compactHtml(markup: string): string {
  return markup
    .replace(/\s+/g, ' ')
    .replace(/\s+>/g, '>')
    .replace(/\s*(<[^>]*>)\s*/g, '$1');
}

export interface ApiSourceWorld {
  api: ApiSim;
  token: string;
  watcher: Watcher;
  /** The watcher's /metrics, for the dashboard's `metricsUrls`. */
  metricsUrl: string;
  stop(): Promise<void>;
}

/**
 * api-sim and a real watcher holding its gRPC streams in MODE=test (streams and their metrics, nothing
 * enqueued), over the world's cluster and Redis: what /api-source reads.
 */
export async function startApiSourceWatcher(
  world: World,
  options: { backoffInitialMs?: number; backoffMaxMs?: number } = {},
): Promise<ApiSourceWorld> {
  const token = `dashboard-api-token-${randomUUID()}`;
  const api = await startApiSim({ token });
  const watcher = await startWatcher({
    kubeConfig: world.kc,
    redis: REDIS_URL,
    queuePrefix: world.prefix,
    metricsBindAddress: { host: '127.0.0.1', port: 0 },
    apiServer: {
      client: new AmbientApiClient({ url: api.url, token }),
      grpcAddress: api.grpcAddress,
      token,
      mode: 'test',
      ...options,
    },
  });
  return {
    api,
    token,
    watcher,
    metricsUrl: `http://127.0.0.1:${watcher.metricsPort}/metrics`,
    async stop() {
      await watcher.stop();
      await api.stop();
    },
  };
}
