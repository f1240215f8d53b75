import { Registry } from 'prom-client';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  DEFAULT_MACHINE_CONFIG,
  PHASES,
  TERMINAL_PHASES,
  type MachineConfig,
} from '@ambient-operator/machines';
import {
  AmbientApiClient,
  TerminalError,
  classifyError,
  createKubeConfig,
  createLogger,
  createOperatorMetrics,
  createSessionQueue,
  initKnownLabels,
  isApiKey,
  makeApiClients,
  parseKey,
  parseSchedulerKey,
  isUserDeploymentKey,
  parseUserDeploymentKey,
  startHttpServer,
  startQueueWorker,
  type Logger,
  type OperatorConfig,
  type OperatorHttpServer,
  type OperatorMetrics,
  type RedisConnection,
} from '@ambient-operator/shared';
import { reconcileApiKey, type ApiReconcileDeps } from './api-server/index.js';
import { cachedJsonFile } from './cached-file.js';
import { loadAgentRegistry, loadModelsManifest, type ConfigFileProblem } from './children/index.js';
import { checkSessionCrd, detectClusterCapabilities } from './cluster-probe.js';
import {
  isProjectSettingsKey,
  namespaceOfProjectSettingsKey,
  reconcileProjectSettings,
} from './project-settings/index.js';
import { reconcile, type ReconcileTrace } from './reconcile.js';
import { reconcileAgentTask, reconcileWorkflow } from './scheduler/index.js';
import { reconcileUserDeployment } from './user-deployment/reconcile-user-deployment.js';
import { clusterDnsRunnerResolver, createRunnerClient, type RunnerResolver } from './runner-client.js';
import type { WorkerDeps } from './worker-deps.js';

export interface WorkerOptions {
  config: OperatorConfig;
  /** @defaultValue createKubeConfig from the config's kube env (kubeconfig or in-cluster) */
  kubeConfig?: KubeConfig;
  /** @defaultValue config.queue.redisUrl */
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
}

export interface RunningWorker {
  metrics: OperatorMetrics;
  registry: Registry;
  metricsUrl: string | undefined;
  probesUrl: string | undefined;
  /** Reconciles in flight in this process now. */
  running(): number;
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
  const redis = options.redis ?? config.queue.redisUrl;
  const identity = { prefix: config.queue.prefix, name: config.queue.name };

  const registry = new Registry();
  const stats = createSessionQueue({ connection: redis, ...identity });
  const metrics = createOperatorMetrics(registry, {
    collectQueueStats: async () => {
      const counts = await stats.counts();
      return { depth: counts, oldestJobAgeSeconds: await stats.oldestJobAgeSeconds() };
    },
  });
  initKnownLabels(metrics, { phases: PHASES, terminalPhases: TERMINAL_PHASES });

  const api = makeApiClients(kubeConfig);
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
  };

  // The ambient-api-server keys (issue 16) are reconciled into the cluster in MODE=kube only.
  const apiServer = config.apiServer;
  const apiDeps: ApiReconcileDeps | undefined =
    apiServer.enabled && apiServer.mode === 'kube'
      ? { kube: deps.api, ambient: new AmbientApiClient({ url: apiServer.url, token: apiServer.token }), log }
      : undefined;

  const traces = new Map<string, ReconcileTrace>();
  const queueWorker = startQueueWorker({
    connection: redis,
    ...identity,
    concurrency: config.controller.maxConcurrentReconciles,
    lockDurationMs: options.lockDurationMs ?? 5000,
    stalledIntervalMs: options.stalledIntervalMs ?? 2000,
    rateLimit:
      options.rateLimit !== undefined
        ? options.rateLimit
        : config.queue.reconcileRateLimitPerSecond > 0
          ? { max: config.queue.reconcileRateLimitPerSecond, durationMs: 1000 }
          : null,
    process: async (key) => {
      // UserDeployment keys (`ud:<ns>/<name>`) share the queue, with their own reconciler.
      if (isUserDeploymentKey(key)) {
        const trace: ReconcileTrace = {};
        traces.set(key, trace);
        const report = await reconcileUserDeployment(key, deps);
        trace.phase = report.phase || 'Pending';
        return report.requeueAfterMs === undefined ? {} : { requeueAfterMs: report.requeueAfterMs };
      }
      // AgentTask and Workflow keys (`task:ns/name`, `workflow:ns/name`) share the queue.
      const scheduler = parseSchedulerKey(key);
      if (scheduler !== undefined) {
        const trace: ReconcileTrace = {};
        traces.set(key, trace);
        const reconcileKind = scheduler.kind === 'task' ? reconcileAgentTask : reconcileWorkflow;
        trace.phase = (await reconcileKind(scheduler.ref, deps)).phase || 'Pending';
        return {};
      }
      // ProjectSettings keys (`ps:<namespace>`) share the queue, with their own reconciler.
      if (isProjectSettingsKey(key)) {
        await reconcileProjectSettings(key, deps);
        return {};
      }
      if (isApiKey(key)) {
        if (!apiDeps)
          throw new TerminalError(`${key}: the api-server source is not enabled in MODE=kube here`);
        await reconcileApiKey(key, apiDeps);
        return {};
      }
      const trace: ReconcileTrace = {};
      traces.set(key, trace);
      const report = await reconcile(key, deps, trace);
      return report.requeueAfterMs === undefined ? {} : { requeueAfterMs: report.requeueAfterMs };
    },
    onReconciled: (report) => {
      const trace = traces.get(report.key);
      traces.delete(report.key);
      const phase = trace?.phase ?? 'Unknown';
      const success = report.result === 'success' || report.result === 'requeue_after';
      metrics.reconcileTotal.inc({ outcome: report.result });
      metrics.reconcileDuration.observe({ phase, success: String(success) }, report.durationMs / 1000);
      if (success) {
        metrics.queueProcessed.inc();
        log.debug(
          {
            key: report.key,
            result: report.result,
            ms: Math.round(report.durationMs),
            next: report.nextRunInMs,
          },
          'reconciled',
        );
        return;
      }
      if (report.result !== 'conflict') metrics.queueFailed.inc();
      const cause = classifyError(report.error);
      const errorType = (report.error as { command?: string } | undefined)?.command ?? cause.code;
      if (report.result !== 'conflict') {
        metrics.sessionErrors.inc({ namespace: namespaceOf(report.key), phase, error_type: errorType });
      }
      log[report.result === 'conflict' ? 'debug' : 'warn'](
        {
          key: report.key,
          result: report.result,
          failures: report.failures,
          next: report.nextRunInMs,
          err: cause.message,
        },
        'reconcile failed',
      );
    },
    onError: (err) => log.warn({ err: err.message }, 'queue worker error'),
  });

  const servers: OperatorHttpServer[] = [];
  if (options.serveHttp ?? true) {
    if (config.http.metricsBindAddress) {
      servers.push(await startHttpServer({ address: config.http.metricsBindAddress, registry }));
    }
    if (config.http.healthProbeBindAddress) {
      servers.push(
        await startHttpServer({
          address: config.http.healthProbeBindAddress,
          probes: true,
          ready: () => !closing,
        }),
      );
    }
  }
  let closing = false;
  let closed: Promise<void> | undefined;

  return {
    metrics,
    registry,
    metricsUrl: config.http.metricsBindAddress ? servers[0]?.url : undefined,
    probesUrl: config.http.healthProbeBindAddress ? servers[servers.length - 1]?.url : undefined,
    running: () => queueWorker.running(),
    close() {
      closed ??= (async () => {
        closing = true;
        await queueWorker.close();
        await stats.close();
        await Promise.all(servers.map((s) => s.close()));
      })();
      return closed;
    },
  };
}

/** The namespace a key is about (both key spaces), for metric labels; `unknown` for a malformed key. */
function namespaceOf(key: string): string {
  try {
    if (isApiKey(key)) return 'api-server';
    if (isUserDeploymentKey(key)) return parseUserDeploymentKey(key).namespace;
    if (isProjectSettingsKey(key)) return namespaceOfProjectSettingsKey(key);
    return (parseSchedulerKey(key)?.ref ?? parseKey(key)).namespace;
  } catch {
    return 'unknown';
  }
}
