import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { z } from 'zod';
import { startKubeSim } from './kube-sim.js';

const USAGE =
  'usage: pnpm kube-sim [--port N] [--host H] [--kubeconfig PATH] [--crds DIR] [--data FILE] [--namespace NAME]...\n' +
  '                     [--server-version 1.28] [--image-user IMAGE=USER]... (USER empty: the image runs as root)';

const argsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  kubeconfig: z.string().min(1).optional(),
  crds: z.string().min(1).optional(),
  data: z.string().min(1).optional(),
  namespace: z.array(z.string().min(1)).default([]),
  'server-version': z
    .string()
    .regex(/^v?\d+\.\d+(\.\d+)?$/, 'expected e.g. 1.28 or v1.28.3')
    .optional(),
  'image-user': z
    .array(z.string().regex(/^[^=\s]+=[^=\s]*$/, 'expected IMAGE=USER, e.g. alpine:3=  or  app:1=1001'))
    .default([]),
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
        host: { type: 'string' },
        kubeconfig: { type: 'string' },
        crds: { type: 'string' },
        data: { type: 'string' },
        namespace: { type: 'string', multiple: true },
        'server-version': { type: 'string' },
        'image-user': { type: 'string', multiple: true },
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
  const sim = await startKubeSim({
    port: args.port,
    host: args.host,
    crdsDir: userPath(args.crds),
    dataFile: userPath(args.data),
    kubeconfigPath,
    namespaces: args.namespace,
    ...(args['server-version'] === undefined ? {} : { serverVersion: args['server-version'] }),
    images: Object.fromEntries(
      args['image-user'].map((pair) => {
        const [image, user] = pair.split('=') as [string, string];
        return [image, { user }];
      }),
    ),
    logger,
  });
  console.log(`kube-sim listening on ${sim.url}`);
  if (kubeconfigPath) console.log(`kubeconfig written to ${kubeconfigPath}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    sim.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
