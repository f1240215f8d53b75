// `operator session-trigger`: run once by a scheduled-session CronJob, then exit (0 on success, 1 on any error,
// like upstream's log.Fatalf). The environment is the CronJob's (see session-trigger/trigger-settings.ts).
import { createKubeConfig, createLogger, makeKubeClients } from '@ambient-operator/shared';
import { parseSessionTriggerEnv, runSessionTrigger } from './session-trigger/index.js';

async function main(): Promise<void> {
  const settings = parseSessionTriggerEnv(process.env);
  const log = createLogger({ level: settings.logLevel, name: 'session-trigger' });
  const kubeConfig = createKubeConfig({ env: process.env });
  try {
    const result = await runSessionTrigger(settings, {
      customObjects: makeKubeClients(kubeConfig).customObjects,
      log,
    });
    log.info({ namespace: settings.namespace, schedule: settings.scheduledSessionName, ...result }, 'done');
  } finally {
    kubeConfig.destroyAgent();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`session-trigger: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
