// `worker` CLI: flags and env through shared's loadConfig. Runs until SIGTERM/SIGINT, then finishes
// in-flight reconciles, takes no new ones, closes Redis and exits 0.
import { createLogger, exitOnSignals, loadConfig } from '@ambient-operator/shared';
import { startWorker } from './start-worker.js';

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2), process.env);
  const log = createLogger({ level: config.logging.level, pretty: config.logging.devMode, name: 'worker' });
  const worker = await startWorker({ config, logger: log });
  log.info(
    {
      concurrency: config.controller.maxConcurrentReconciles,
      metrics: worker.metricsUrl,
      probes: worker.probesUrl,
    },
    'worker started',
  );
  process.stdout.write(
    JSON.stringify({
      worker: 'started',
      pid: process.pid,
      metricsUrl: worker.metricsUrl,
      probesUrl: worker.probesUrl,
    }) + '\n',
  );
  // close() finishes in-flight reconciles and takes no new ones.
  exitOnSignals(() => worker.close(), log, 'worker');
}

main().catch((err: unknown) => {
  process.stderr.write(`worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
