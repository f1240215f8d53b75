import type { Logger } from './logger.js';

/**
 * How every long-running process of ours ends: on the first SIGTERM or SIGINT it runs `stop` (finish
 * in-flight work, release what it holds) and exits 0, or 1 if stopping failed. A second signal while
 * stopping is ignored, so a supervisor's repeated SIGTERM cannot cut a graceful stop short.
 */
export function exitOnSignals(stop: () => Promise<void>, log: Logger, what: string): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, `${what}: shutting down`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, `${what}: shutdown failed`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
