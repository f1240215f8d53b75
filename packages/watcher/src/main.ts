// `watcher` CLI: flags and env through shared's loadConfig, plus the watcher's own flags:
//   --namespace-scope=ns1,ns2   watch only these namespaces (default: all)
//   --label-selector=SELECTOR   extra label selector for AgenticSessions
// Runs until SIGTERM/SIGINT, then stops the watches, releases the Lease, closes Redis and exits 0.
import {
  AmbientApiClient,
  createKubeConfig,
  createLogger,
  exitOnSignals,
  loadConfig,
} from '@ambient-operator/shared';
import { splitWatcherFlags } from './cli-flags.js';
import { startWatcher } from './watcher.js';

async function main(): Promise<void> {
  const { own, rest } = splitWatcherFlags(process.argv.slice(2));
  const config = loadConfig(rest, process.env);
  const log = createLogger({ level: config.logging.level, pretty: config.logging.devMode, name: 'watcher' });
  const kubeConfig = createKubeConfig({ env: config.kube.env });
  const watcher = await startWatcher({
    kubeConfig,
    redis: config.queue.redis,
    queuePrefix: config.queue.prefix,
    queueName: config.queue.name,
    namespace: config.namespaces.operator,
    leaderElect: config.controller.leaderElect,
    namespaceScope: own['namespace-scope'] ?? [],
    ...(own['label-selector'] ? { sessionLabelSelector: own['label-selector'] } : {}),
    resyncIntervalMs: config.controller.resyncIntervalSeconds * 1000,
    watchStallTimeoutMs: config.controller.watchStallTimeoutSeconds * 1000,
    healthProbeBindAddress: config.http.healthProbeBindAddress,
    metricsBindAddress: config.http.metricsBindAddress,
    logger: log,
    ...(config.apiServer.enabled
      ? {
          apiServer: {
            client: new AmbientApiClient({ url: config.apiServer.url, token: config.apiServer.token }),
            grpcAddress: config.apiServer.grpcAddress,
            token: config.apiServer.token,
            grpcUseTls: config.apiServer.grpcUseTls,
            mode: config.apiServer.mode,
          },
        }
      : {}),
  });
  log.info(
    {
      healthPort: watcher.healthPort,
      metricsPort: watcher.metricsPort,
      leaderElect: config.controller.leaderElect,
    },
    'watcher started',
  );
  // One line on stdout for supervisors and tests (ports are useful when bound to 0).
  process.stdout.write(
    JSON.stringify({
      watcher: 'started',
      pid: process.pid,
      healthPort: watcher.healthPort,
      metricsPort: watcher.metricsPort,
    }) + '\n',
  );
  exitOnSignals(() => watcher.stop(), log, 'watcher');
}

main().catch((err: unknown) => {
  process.stderr.write(`watcher: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
