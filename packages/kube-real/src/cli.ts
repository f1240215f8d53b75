import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { z } from 'zod';
import { startKubeReal } from './control-plane.js';

const USAGE =
  'usage: pnpm kube-real [--port N] [--kubeconfig PATH] [--crds DIR] [--data DIR] [--audit-log PATH] [--log-level LEVEL]';

const argsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(0),
  kubeconfig: z.string().min(1).optional(),
  crds: z.string().min(1).optional(),
  data: z.string().min(1).optional(),
  'audit-log': z.string().min(1).optional(),
  'log-level': z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** `pnpm --filter` runs scripts in the package directory; paths given by the user are relative to where they typed. */
function userPath(path: string | undefined): string | undefined {
  if (!path) return undefined;
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

async function main(): Promise<void> {
  let raw;
  try {
    raw = parseArgs({
      options: {
        port: { type: 'string' },
        kubeconfig: { type: 'string' },
        crds: { type: 'string' },
        data: { type: 'string' },
        'audit-log': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    process.exit(2);
  }
  if (raw.help) {
    console.log(USAGE);
    return;
  }
  const parsed = argsSchema.safeParse(raw);
  if (!parsed.success) {
    console.error(`invalid arguments: ${z.prettifyError(parsed.error)}\n${USAGE}`);
    process.exit(2);
  }
  const args = parsed.data;
  const logger = pino({ level: args['log-level'] });
  const kubeconfigPath = userPath(args.kubeconfig);
  // A signal during start-up aborts it (startKubeReal then stops what it started); after, it stops the cluster.
  const aborter = new AbortController();
  let stopCluster = (): Promise<void> => Promise.resolve();
  const stop = (signal: string) => {
    if (aborter.signal.aborted) return;
    aborter.abort();
    logger.info({ signal }, 'stopping');
    stopCluster().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  const cluster = await startKubeReal({
    port: args.port,
    crdsDir: userPath(args.crds),
    dataDir: userPath(args.data),
    ...(args['audit-log'] ? { auditLogPath: userPath(args['audit-log']) } : {}),
    kubeconfigPath,
    logger,
    signal: aborter.signal,
  }).catch((err: unknown) => {
    if (aborter.signal.aborted) process.exit(0);
    throw err;
  });
  stopCluster = () => cluster.stop();
  console.log(`kube-real listening on ${cluster.url}`);
  if (kubeconfigPath) console.log(`kubeconfig written to ${kubeconfigPath}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
