// A real little cluster for worker tests: kube-sim over HTTP (or, with CLUSTER=real, a real control plane),
// real Redis (own key prefix), the watcher and workers in this process, talking through the real
// @kubernetes/client-node client.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { CoreV1Api, BatchV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { KubeSim, KubeSimOptions } from '@ambient-operator/kube-sim';
import { startWatcher, type Watcher, type WatcherOptions } from '@ambient-operator/watcher';
import {
  SharedAgentKubeConfig,
  createLogger,
  loadConfig,
  type OperatorConfig,
  type StoredAgenticSession,
} from '@ambient-operator/shared';
import { startWorker, type RunningWorker, type WorkerOptions } from '@ambient-operator/worker';
import { startClusterUnderTest, type ClusterKind, type ClusterUnderTest } from './cluster-under-test.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const GROUP = { group: 'vteam.ambient-code', version: 'v1alpha1', plural: 'agenticsessions' };

/** A session as the tests read it back: shared's schema type of a stored AgenticSession. */
export type SessionObject = StoredAgenticSession;

export interface TestCluster {
  /** Which cluster this is (CLUSTER=sim|real). */
  kind: ClusterKind;
  /** kube-sim, whose fault hooks some tests use; undefined on the real cluster (see requireSim). */
  sim: KubeSim | undefined;
  /** The cluster itself (kubeconfigs for admin, watcher and workers). */
  cluster: ClusterUnderTest;
  /** Cluster-admin: the test's own clients. The watcher and workers have their own (deploy/'s RBAC on real). */
  kc: SharedAgentKubeConfig;
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
  /** Creates a session in `inNamespace` (@defaultValue the managed `namespace`). */
  createSession(
    name: string,
    spec?: Record<string, unknown>,
    annotations?: Record<string, string>,
    inNamespace?: string,
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
  /** kube-sim options beyond the CRDs (e.g. an older `serverVersion`, image `images` users); kube-sim only. */
  sim?: Omit<KubeSimOptions, 'port' | 'crdsDir'>;
  /** @defaultValue CLUSTER from the environment, else 'sim' */
  kind?: ClusterKind;
  /** Names the RBAC usage record of a real-cluster run. @defaultValue 'cluster' */
  label?: string;
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
  const cluster = await startClusterUnderTest(options.kind, options.sim);
  // One keep-alive agent per identity, as each of the operator's processes has.
  const kubeConfigOf = (text: string) => {
    const config = new SharedAgentKubeConfig();
    config.loadFromString(text);
    return config;
  };
  const kc = kubeConfigOf(cluster.adminKubeconfig);
  const watcherKc = kubeConfigOf(cluster.watcherKubeconfig);
  const workerKc = kubeConfigOf(cluster.workerKubeconfig);
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
      NAMESPACE: cluster.operatorNamespace,
      AGENT_REGISTRY_PATH: '/nonexistent/registry.json',
      MODELS_MANIFEST_PATH: '/nonexistent/models.json',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...options.env,
    },
  );
  const logger = createLogger({ level: config.logging.level, name: 'test' });
  const watcher = await startWatcher({
    kubeConfig: watcherKc,
    redis: REDIS_URL,
    queuePrefix: prefix,
    queueName: config.queue.name,
    logger,
    ...options.watcher,
  });
  const workers: RunningWorker[] = [];
  for (let i = 0; i < (options.workers ?? 1); i++) {
    workers.push(
      await startWorker({ config, kubeConfig: workerKc, logger, serveHttp: false, ...options.worker }),
    );
  }
  const worker = workers[0]!;

  const getSession = async (name: string) =>
    (await custom.getNamespacedCustomObject({ ...GROUP, namespace, name })) as SessionObject;

  return {
    kind: cluster.kind,
    sim: cluster.sim,
    cluster,
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
    async createSession(name, spec = {}, annotations, inNamespace = namespace) {
      return (await custom.createNamespacedCustomObject({
        ...GROUP,
        namespace: inNamespace,
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
      for (const config of [kc, watcherKc, workerKc]) config.destroyAgent();
      await cluster.stop(options.label);
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}

/** Reconciles the cluster's workers ran so far (ambient_reconcile_total over every outcome). */
export async function reconcilesRun(cluster: Pick<TestCluster, 'workers'>): Promise<number> {
  return (await Promise.all(cluster.workers.map((w) => w.metrics.reconcileTotal.get())))
    .flatMap((m) => m.values)
    .reduce((sum, v) => sum + v.value, 0);
}

export function condition(session: SessionObject, type: string) {
  return session.status?.conditions?.find((c) => c.type === type);
}
