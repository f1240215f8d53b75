import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { AMBIENT_API_BASE_PATH } from '@ambient-operator/api-contract';
import { startApiSim } from './api-sim.js';

const USAGE =
  'usage: pnpm api-sim [--http-port N] [--grpc-port M] [--host H] [--token T] [--data FILE]\n' +
  '  --token defaults to $AMBIENT_API_TOKEN; without either, no auth (as the upstream server)';

const port = z.coerce.number().int().min(0).max(65535).default(0);
const argsSchema = z.object({
  'http-port': port,
  'grpc-port': port,
  host: z.string().min(1).default('127.0.0.1'),
  token: z.string().min(1).optional(),
  data: z.string().min(1).optional(),
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
        'http-port': { type: 'string' },
        'grpc-port': { type: 'string' },
        host: { type: 'string' },
        token: { type: 'string' },
        data: { type: 'string' },
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
  const parsed = argsSchema.safeParse({
    ...raw,
    token: raw.token ?? (process.env.AMBIENT_API_TOKEN || undefined),
  });
  if (!parsed.success) {
    console.error(`invalid arguments: ${z.prettifyError(parsed.error)}\n${USAGE}`);
    process.exit(2);
  }
  const args = parsed.data;
  const sim = await startApiSim({
    httpPort: args['http-port'],
    grpcPort: args['grpc-port'],
    host: args.host,
    token: args.token,
    dataFile: userPath(args.data),
  });
  console.log(`api-sim REST on ${sim.url}${AMBIENT_API_BASE_PATH}`);
  console.log(`api-sim gRPC on ${sim.grpcAddress}`);
  console.log(args.token ? 'api-sim auth: Bearer token required' : 'api-sim auth: none');
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    sim.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err instanceof Error ? err.message : String(err));
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
