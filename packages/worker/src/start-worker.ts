import { hostname } from 'node:os';
import type { EventsV1Event } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import {
  DEFAULT_MACHINE_CONFIG,
  PHASES,
  TERMINAL_PHASES,
  isTerminalPhase,
  type MachineConfig,
} from '@ambient-operator/machines';
import {
  AmbientApiClient,
  createKubeConfig,
  type SharedAgentKubeConfig,
  createLogger,
  createEventRecorder,
  createOperatorMetrics,
  createSessionPhaseIndex,
  createSessionQueue,
  initKnownLabels,
  makeKubeClients,
  mergePatch,
  startOperatorEndpoints,
  startQueueWorker,
  type EventRecorderOptions,
  type Logger,
  type OperatorConfig,
  type OperatorEndpoints,
  type OperatorMetrics,
  type RedisConnection,
} from '@ambient-operator/shared';
import { cachedJsonFile } from './cached-file.js';
import { loadAgentRegistry, loadModelsManifest, type ConfigFileProblem } from './children/index.js';
import { checkSessionCrd, detectClusterCapabilities } from './cluster-probe.js';
import { readOrNull } from './kube-ops.js';
import { createRecentReads } from './recent-reads.js';
import { runnerInputs, startWatchedInputs } from './watched-inputs.js';
import { createManagedNamespaces } from './managed-namespaces.js';
import { createReconcileHandler } from './reconcile/reconcile-handler.js';
import { clusterDnsRunnerResolver, createRunnerClient, type RunnerResolver } from './runner-client.js';
import { startLocalMode } from './local-runner/index.js';
import type { WorkerDeps } from './worker-deps.js';
import { createReconcileInspector } from './xstate-inspect.js';

/** `reportingController` of the operator's Events. */
export const EVENT_REPORTING_CONTROLLER = 'ambient-code.io/session-operator';

export interface WorkerOptions {
  config: OperatorConfig;
  /** @defaultValue createKubeConfig from the config's kube env (kubeconfig or in-cluster) */
  kubeConfig?: SharedAgentKubeConfig;
  /** @defaultValue config.queue.redis */
  redis?: RedisConnection;
  /** @defaultValue a pino logger named `worker` at the configured level */
  logger?: Logger;
  /** Where session runners answer. @defaultValue cluster DNS `session-<n>.<ns>.svc.cluster.local` */
  resolveRunnerUrl?: RunnerResolver;
  /** Machine tunables beyond what config carries. @defaultValue DEFAULT_MACHINE_CONFIG */
  machine?: Partial<MachineConfig>;
  /** Lock duration of a job, in ms (a killed worker's key moves on after about this). @defaultValue 5000 */
  lockDurationMs?: number;
  /** @defaultValue 2000 */
  stalledIntervalMs?: number;
  /** A reconcile running longer is aborted and retried with backoff. @defaultValue config.controller.reconcileTimeoutSeconds */
  reconcileTimeoutMs?: number;
  /** Reconciles started per interval, shared by all workers. @defaultValue config.queue.reconcileRateLimitPerSecond per 1000 ms */
  rateLimit?: { max: number; durationMs: number } | null;
  /** Serve /metrics and the probes (ports from config). @defaultValue true */
  serveHttp?: boolean;
  /** ms since the epoch. @defaultValue Date.now */
  now?: () => number;
  /**
   * Refuse to start when the AgenticSession CRD would prune our status fields (cluster-probe.ts).
   * @defaultValue true
   */
  checkSessionCrd?: boolean;
  /**
   * Watch the namespace-wide inputs of a build instead of reading them per build (watched-inputs.ts).
   * @defaultValue true
   */
  watchInputs?: boolean;
}

export interface RunningWorker {
  metrics: OperatorMetrics;
  registry: Registry;
  metricsUrl: string | undefined;
  probesUrl: string | undefined;
  /** Reconciles in flight in this process now. */
  running(): number;
  /** MODE=local: the proxy routing `/sessions/{id}/…` to this worker's runners; undefined otherwise. */
  localProxyUrl: string | undefined;
  /** Finishes in-flight reconciles, takes no new ones, closes servers and Redis. */
  close(): Promise<void>;
}

/** Starts one worker process's reconcilers: BullMQ consumer, metrics and probes. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { config } = options;
  const log =
    options.logger ??
    createLogger({ level: config.logging.level, pretty: config.logging.devMode, name: 'worker' });
  const kubeConfig = options.kubeConfig ?? createKubeConfig({ env: config.kube.env });
  const redis = options.redis ?? config.queue.redis;
  const identity = { prefix: config.queue.prefix, name: config.queue.name };

  const registry = new Registry();
  // For the readiness probe: Redis must answer.
  const queue = createSessionQueue({ connection: redis, ...identity });
  const phaseIndex = createSessionPhaseIndex({
    connection: redis,
    ...identity,
    phases: PHASES.filter((p) => !isTerminalPhase(p)),
  });
  // The queue's gauges are the leader watcher's (exported once); a worker serves its own counters and histograms.
  const metrics = createOperatorMetrics(registry, {
    collectPhaseStats: () => phaseIndex.stats(Date.now()),
  });
  initKnownLabels(metrics, { phases: PHASES, terminalPhases: TERMINAL_PHASES });

  const api = makeKubeClients(kubeConfig);
  if (options.checkSessionCrd ?? true) await checkSessionCrd(api);
  const cluster = await detectClusterCapabilities(api, log);
  // A bad entry costs that entry (defaults apply), with a warning each time the file is (re)read.
  const warnProblems = <T extends { problems: readonly ConfigFileProblem[] }>(file: string, loaded: T): T => {
    for (const problem of loaded.problems) log.warn({ file, id: problem.id }, problem.message);
    return loaded;
  };
  const registryFile = cachedJsonFile(config.runner.agentRegistryPath, (text) =>
    warnProblems(config.runner.agentRegistryPath, loadAgentRegistry(text)),
  );
  const modelsFile = cachedJsonFile(config.runner.modelsManifestPath, (text) =>
    warnProblems(config.runner.modelsManifestPath, loadModelsManifest(text)),
  );

  const inspector = config.observability.xstateInspectUrl
    ? createReconcileInspector(config.observability.xstateInspectUrl)
    : undefined;
  const local = await startLocalMode(config, log);
  // The namespace-wide inputs of a build, watched; a reconcile reads one live only while its watch is not in step
  // (not yet listed, re-listing, cut off). Not awaited: the worker is ready before they have listed.
  const watchedInputs =
    (options.watchInputs ?? true)
      ? startWatchedInputs({
          kubeConfig,
          inputs: runnerInputs({ vertexEnabled: config.vertex.enabled }),
          onChange: (key) => recentReads.forget(key),
          log,
        })
      : undefined;
  const recentReads = createRecentReads(watchedInputs ? { watched: watchedInputs } : {});
  const deps: WorkerDeps = {
    api,
    config,
    machine: {
      ...DEFAULT_MACHINE_CONFIG,
      maxRunnerRecreations: config.controller.maxRunnerRecreations,
      ...options.machine,
    },
    log,
    metrics,
    now: options.now ?? Date.now,
    runnerClient: createRunnerClient(),
    resolveRunnerUrl: options.resolveRunnerUrl ?? clusterDnsRunnerResolver,
    agentRegistry: async () => (await registryFile())?.registry,
    modelsManifest: async () => (await modelsFile())?.manifest,
    configProblems: async () => ({
      registry: (await registryFile())?.problems ?? [],
      models: (await modelsFile())?.problems ?? [],
    }),
    cluster,
    managedNamespaces: createManagedNamespaces({
      read: (name) => readOrNull(() => api.core.readNamespace({ name })),
      ...(watchedInputs ? { watched: watchedInputs } : {}),
    }),
    recentReads,
    // The ambient-api-server keys (issue 16) are reconciled into the cluster in MODE=kube only.
    ambient:
      config.apiServer.enabled && config.apiServer.mode === 'kube'
        ? new AmbientApiClient({ url: config.apiServer.url, token: config.apiServer.token })
        : undefined,
    events: createEventRecorder({
      // event-recorder.ts (another owner) still types its calls as client-node's EventsV1Api; the lean client makes
      // the same three requests (the recorder's one patch is a merge patch) without client-node's generated APIs,
      // which this was the last user of in the worker (~1.1 MiB of code loaded at start). The recorder zod-parses
      // what it reads, so the wire form (timestamps as strings) is what it expects.
      events: {
        createNamespacedEvent: async (param) =>
          (await api.events.createNamespacedEvent(param)) as unknown as EventsV1Event,
        readNamespacedEvent: async (param) =>
          (await api.events.readNamespacedEvent(param)) as unknown as EventsV1Event,
        patchNamespacedEvent: async (param) =>
          (await api.events.patchNamespacedEvent(param, mergePatch)) as unknown as EventsV1Event,
      } satisfies EventRecorderOptions['events'],
      reportingController: EVENT_REPORTING_CONTROLLER,
      reportingInstance: hostname(),
      log,
    }),
    phaseIndex,
    ...(inspector && { inspector }),
    ...(local && { local: local.runners }),
  };

  const handler = createReconcileHandler(deps);
  const queueWorker = startQueueWorker({
    connection: redis,
    ...identity,
    concurrency: config.controller.maxConcurrentReconciles,
    lockDurationMs: options.lockDurationMs ?? 5000,
    stalledIntervalMs: options.stalledIntervalMs ?? 2000,
    reconcileTimeoutMs: options.reconcileTimeoutMs ?? config.controller.reconcileTimeoutSeconds * 1000,
    rateLimit:
      options.rateLimit !== undefined
        ? options.rateLimit
        : config.queue.reconcileRateLimitPerSecond > 0
          ? { max: config.queue.reconcileRateLimitPerSecond, durationMs: 1000 }
          : null,
    process: handler.process,
    onReconciled: handler.onReconciled,
    onStarted: ({ queueWaitMs }) => metrics.queueWaitDuration.observe(queueWaitMs / 1000),
    onError: (err) => log.warn({ err: err.message }, 'queue worker error'),
  });

  const endpoints: OperatorEndpoints | undefined =
    (options.serveHttp ?? true)
      ? await startOperatorEndpoints({
          metricsAddress: config.http.metricsBindAddress,
          probeAddress: config.http.healthProbeBindAddress,
          registry,
          // Not ready while closing, or while Redis does not answer (the reason is the probe's body).
          ready: async () => {
            if (closing) return false;
            await queue.ping();
            return true;
          },
        })
      : undefined;
  let closing = false;
  let closed: Promise<void> | undefined;

  return {
    metrics,
    registry,
    metricsUrl: endpoints?.metrics?.url,
    probesUrl: endpoints?.probes?.url,
    running: () => queueWorker.running(),
    localProxyUrl: local?.proxy.url,
    close() {
      closed ??= (async () => {
        closing = true;
        await queueWorker.close();
        await watchedInputs?.close();
        await local?.close();
        await queue.close();
        await phaseIndex.close();
        inspector?.close();
        await endpoints?.close();
      })();
      return closed;
    },
  };
}
