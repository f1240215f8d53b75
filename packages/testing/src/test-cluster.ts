// A real little cluster for worker tests: kube-sim over HTTP, real Redis (own key prefix), the watcher
// and a worker in this process, talking through the real @kubernetes/client-node client.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { CoreV1Api, BatchV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { startKubeSim, type KubeSim, type KubeSimOptions } from '@ambient-operator/kube-sim';
import { startWatcher, type Watcher, type WatcherOptions } from '@ambient-operator/watcher';
import {
  SharedAgentKubeConfig,
  createLogger,
  loadConfig,
  type OperatorConfig,
} from '@ambient-operator/shared';
import { startWorker, type RunningWorker, type WorkerOptions } from '@ambient-operator/worker';

export const CRDS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../deploy/crds');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const GROUP = { group: 'vteam.ambient-code', version: 'v1alpha1', plural: 'agenticsessions' };

export interface SessionObject {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: {
    phase?: string;
    startTime?: string;
    completionTime?: string;
    stoppedReason?: string;
    runnerRecreations?: number;
    observedGeneration?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    [key: string]: unknown;
  };
}

export interface TestCluster {
  sim: KubeSim;
  kc: KubeConfig;
  core: CoreV1Api;
  batch: BatchV1Api;
  custom: CustomObjectsApi;
  config: OperatorConfig;
  prefix: string;
  /** The first worker; `workers` has them all. */
  worker: RunningWorker;
  workers: RunningWorker[];
  watcher: Watcher;
  namespace: string;
  createSession(
    name: string,
    spec?: Record<string, unknown>,
    annotations?: Record<string, string>,
  ): Promise<SessionObject>;
  getSession(name: string): Promise<SessionObject>;
  annotate(name: string, annotations: Record<string, string | null>): Promise<void>;
  waitForSession(
    name: string,
    predicate: (s: SessionObject) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<SessionObject>;
  stop(): Promise<void>;
}

export interface TestClusterOptions {
  env?: Record<string, string>;
  worker?: Partial<WorkerOptions>;
  /** Create the namespace's runner secret. @defaultValue true */
  runnerSecret?: boolean;
  /** Worker instances sharing the queue (as separate worker processes would). @defaultValue 1 */
  workers?: number;
  /** Extra watcher options (e.g. the api-server source). */
  watcher?: Partial<WatcherOptions>;
  /** kube-sim options beyond the CRDs (e.g. an older `serverVersion`, image `images` users). */
  sim?: Omit<KubeSimOptions, 'port' | 'crdsDir'>;
}

/** Polls `read` until `predicate` holds; fails with what was last seen. Bounded, never a fixed sleep. */
export async function eventually<T>(
  read: () => Promise<T>,
  predicate: (v: T) => boolean,
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
        `timed out waiting for ${what}; last seen: ${JSON.stringify(last ?? String(lastError)).slice(0, 2000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const namespace = 'demo';
  const sim = await startKubeSim({ namespaces: [], ...options.sim, port: 0, crdsDir: CRDS_DIR });
  // One keep-alive agent for all clients in this process, as the operator's processes have.
  const kc = new SharedAgentKubeConfig();
  kc.loadFromString(sim.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await core.createNamespace({
    body: { metadata: { name: namespace, labels: { 'ambient-code.io/managed': 'true' } } },
  });
  if (options.runnerSecret ?? true) {
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'ambient-runner-secrets' }, stringData: { ANTHROPIC_API_KEY: 'sk-test' } },
    });
  }
  const prefix = `test-worker-${randomUUID().slice(0, 8)}`;
  const config = loadConfig(
    ['--metrics-bind-address=127.0.0.1:0', '--health-probe-bind-address=127.0.0.1:0'],
    {
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      NAMESPACE: 'default',
      AGENT_REGISTRY_PATH: '/nonexistent/registry.json',
      MODELS_MANIFEST_PATH: '/nonexistent/models.json',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    },
  );
  const logger = createLogger({ level: config.logging.level, name: 'test' });
  const watcher = await startWatcher({
    kubeConfig: kc,
    redis: REDIS_URL,
    queuePrefix: prefix,
    queueName: config.queue.name,
    logger,
    ...options.watcher,
  });
  const workers: RunningWorker[] = [];
  for (let i = 0; i < (options.workers ?? 1); i++) {
    workers.push(await startWorker({ config, kubeConfig: kc, logger, serveHttp: false, ...options.worker }));
  }
  const worker = workers[0]!;

  const getSession = async (name: string) =>
    (await custom.getNamespacedCustomObject({ ...GROUP, namespace, name })) as SessionObject;

  return {
    sim,
    kc,
    core,
    batch,
    custom,
    config,
    prefix,
    worker,
    workers,
    watcher,
    namespace,
    async createSession(name, spec = {}, annotations) {
      return (await custom.createNamespacedCustomObject({
        ...GROUP,
        namespace,
        body: {
          apiVersion: 'vteam.ambient-code/v1alpha1',
          kind: 'AgenticSession',
          metadata: { name, ...(annotations ? { annotations } : {}) },
          spec: { initialPrompt: 'hello', ...spec },
        },
      })) as SessionObject;
    },
    getSession,
    async annotate(name, annotations) {
      const { PatchStrategy, setHeaderOptions } = await import('@kubernetes/client-node');
      await custom.patchNamespacedCustomObject(
        { ...GROUP, namespace, name, body: { metadata: { annotations } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    },
    waitForSession(name, predicate, what, timeoutMs) {
      return eventually(() => getSession(name), predicate, `${name}: ${what}`, timeoutMs);
    },
    async stop() {
      await watcher.stop();
      for (const w of workers) await w.close();
      await sim.stop();
      kc.destroyAgent();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}

export function condition(session: SessionObject, type: string) {
  return session.status?.conditions?.find((c) => c.type === type);
}
