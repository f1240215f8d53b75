// `dashboard` CLI: its own flags and DASHBOARD_* env (cli-options.ts); cluster, Redis and queue settings through
// shared's loadConfig like the other processes. Runs until SIGTERM/SIGINT, then stops listening and exits 0.
import { createKubeConfig, createLogger, exitOnSignals, loadConfig } from '@ambient-operator/shared';
import { loadDashboardSettings } from './cli-options.js';
import { startDashboard } from './start-dashboard.js';

async function main(): Promise<void> {
  const settings = loadDashboardSettings(process.argv.slice(2), process.env);
  const config = loadConfig([], process.env);
  const logger = createLogger({
    level: config.logging.level,
    pretty: config.logging.devMode,
    name: 'dashboard',
  });
  const kubeConfig = createKubeConfig({
    env: config.kube.env,
    ...(settings.kubeconfigPath ? { kubeconfigPath: settings.kubeconfigPath } : {}),
  });
  const dashboard = await startDashboard({
    kubeConfig,
    connection: config.queue.redis,
    queue: { prefix: config.queue.prefix, name: config.queue.name },
    host: settings.host,
    port: settings.port,
    ...(settings.auth ? { auth: settings.auth } : {}),
    readOnly: settings.readOnly,
    metricsUrls: settings.metricsUrls,
    logger,
  });
  process.stdout.write(JSON.stringify({ dashboard: 'started', pid: process.pid, url: dashboard.url }) + '\n');
  exitOnSignals(() => dashboard.close(), logger, 'dashboard');
}

main().catch((err: unknown) => {
  process.stderr.write(`dashboard: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
