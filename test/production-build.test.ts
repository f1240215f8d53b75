// The production form: `pnpm build`'s bundles, started through the image's entrypoint (deploy/image/operator)
// from a directory with no node_modules above it, as in the image's runtime stage.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { startApiSim } from '@ambient-operator/api-sim';
import { startKubeSim, type KubeSim } from '@ambient-operator/kube-sim';
import { defaultRedisUrl } from '@ambient-operator/shared';
import { buildOperator } from '../scripts/build.js';
import { REPO_ROOT } from '../scripts/local-stack.js';
import { eventually, run, waitForOutput } from './processes.js';

const entrypoint = path.join(REPO_ROOT, 'deploy/image/operator');
const TOKEN = 'production-build-token-0123456789';

let app: string;
let sim: KubeSim;
let kubeconfig: string;
const started: ChildProcess[] = [];

beforeAll(async () => {
  app = await mkdtemp(path.join(tmpdir(), 'operator-app-'));
  await buildOperator(path.join(app, 'dist'));
  sim = await startKubeSim({
    port: 0,
    crdsDir: path.join(REPO_ROOT, 'deploy/crds'),
    controllers: { kubelet: false, jobs: false },
  });
  kubeconfig = path.join(app, 'kubeconfig');
  await writeFile(kubeconfig, sim.kubeconfig);
}, 120_000);

afterAll(async () => {
  for (const proc of started) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  await sim?.stop();
  if (app) await rm(app, { recursive: true, force: true });
});

/** `/app/operator <args>` with the app directory pointed at the built bundles. */
function operator(args: string[], env: Record<string, string> = {}) {
  return run('sh', [entrypoint, ...args], undefined, { env: { AMBIENT_APP_DIR: app, ...env } });
}

function startOperator(args: string[], env: Record<string, string>): ChildProcess {
  const proc = spawn('sh', [entrypoint, ...args], {
    env: { ...process.env, AMBIENT_APP_DIR: app, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(proc);
  return proc;
}

const probes = ['--health-probe-bind-address=127.0.0.1:0', '--metrics-bind-address=127.0.0.1:0'];

function operatorEnv(prefix: string): Record<string, string> {
  return {
    KUBECONFIG: kubeconfig,
    REDIS_URL: process.env.REDIS_URL ?? defaultRedisUrl,
    QUEUE_PREFIX: prefix,
    NAMESPACE: 'default',
    // vitest's MODE=test would be read as the operator's api-server mode.
    MODE: 'kube',
    LOG_LEVEL: 'warn',
  };
}

async function readyz(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

async function stopped(proc: ChildProcess): Promise<number | null> {
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  proc.kill('SIGTERM');
  return exit;
}

describe('the production bundles', () => {
  test('run with no node_modules: the bundled config code answers a bad flag and a missing setting', async () => {
    const worker = await operator(['worker', '--bogus']);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain('worker: unknown flag "--bogus"');
    const trigger = await operator(['session-trigger'], { SESSION_TEMPLATE: '' });
    expect(trigger.code).toBe(1);
    expect(trigger.stderr).toContain('SESSION_TEMPLATE must be set');
  });

  test('the worker starts, is ready, and stops on SIGTERM with exit 0', async () => {
    const proc = startOperator(['worker', ...probes], operatorEnv(`prod-build-worker-${process.pid}`));
    const line = await waitForOutput(proc, /^\{"worker":"started"/);
    const { probesUrl } = z.object({ probesUrl: z.string() }).parse(JSON.parse(line));
    await eventually(
      () => readyz(probesUrl),
      (s) => s === 200,
      'worker /readyz 200',
    );
    expect(await stopped(proc)).toBe(0);
  });

  test('the watcher with the api-server source opens its gRPC watches (the .proto files are found beside the bundle)', async () => {
    const api = await startApiSim({ token: TOKEN });
    try {
      const proc = startOperator(['watcher', ...probes], {
        ...operatorEnv(`prod-build-watcher-${process.pid}`),
        AMBIENT_API_SERVER_URL: api.url,
        AMBIENT_API_TOKEN: TOKEN,
        AMBIENT_GRPC_SERVER_ADDR: api.grpcAddress,
      });
      const line = await waitForOutput(proc, /^\{"watcher":"started"/);
      const { healthPort } = z.object({ healthPort: z.number() }).parse(JSON.parse(line));
      await eventually(
        () => readyz(`http://127.0.0.1:${healthPort}`),
        (s) => s === 200,
        'watcher /readyz',
      );
      await eventually(
        () => Promise.resolve(api.watchStreams()),
        (streams) => Object.values(streams).some((n) => n > 0),
        'a gRPC watch stream on api-sim',
      );
      expect(await stopped(proc)).toBe(0);
    } finally {
      await api.stop();
    }
  });

  test("the watcher's start-up files hold no queue code (it loads BullMQ and ioredis once its lists went out)", async () => {
    const meta = z
      .object({
        outputs: z.record(
          z.string(),
          z.object({
            inputs: z.record(z.string(), z.unknown()),
            imports: z.array(z.object({ path: z.string(), kind: z.string() })),
          }),
        ),
      })
      .parse(JSON.parse(await readFile(path.join(app, 'dist/meta/watcher.json'), 'utf8')));
    const entry = Object.keys(meta.outputs).find((file) => file.endsWith('/operator/watcher.mjs'))!;
    // What `node watcher.mjs` loads before running any of it: the entry and its static imports, transitively.
    const atStart = new Set<string>();
    const visit = (file: string) => {
      if (atStart.has(file) || !meta.outputs[file]) return;
      atStart.add(file);
      for (const i of meta.outputs[file].imports) if (i.kind === 'import-statement') visit(i.path);
    };
    visit(entry);
    const queueCode = /\/node_modules\/(bullmq|ioredis)\//;
    const inputs = (files: Iterable<string>) =>
      [...files].flatMap((f) => Object.keys(meta.outputs[f]!.inputs));
    expect(inputs(atStart).filter((input) => queueCode.test(input))).toEqual([]);
    // ... and the queue code is in the bundle, in a file the watcher imports later.
    expect(inputs(Object.keys(meta.outputs)).some((input) => queueCode.test(input))).toBe(true);
  });

  test('a stack trace names the .ts file and line (source maps on, as the entrypoint starts node)', async () => {
    // Loaded before the bundle: every stderr write also prints where it came from.
    const where = path.join(app, 'where.mjs');
    await writeFile(
      where,
      'const write = process.stderr.write.bind(process.stderr);\n' +
        'process.stderr.write = (chunk, ...rest) => write(`${String(chunk)}${new Error("written").stack}\\n`, ...rest);\n',
    );
    const trigger = await operator(['session-trigger'], {
      SESSION_TEMPLATE: '',
      NODE_OPTIONS: `--import=${where}`,
    });
    expect(trigger.stderr).toContain('SESSION_TEMPLATE must be set');
    expect(trigger.stderr).toMatch(/packages\/worker\/src\/session-trigger-main\.ts:\d+:\d+\)/);
  });
});

test("building one command replaces that command's files and leaves the others' (pnpm bench rebuilds only what changed)", async () => {
  const dist = path.join(app, 'dist');
  const others = async () => {
    const files = (await readdir(path.join(dist, 'operator'))).filter(
      (f) => !f.startsWith('session-trigger'),
    );
    return new Map(
      await Promise.all(
        [...files.map((f) => path.join(dist, 'operator', f)), path.join(dist, 'meta', 'watcher.json')].map(
          async (file) => [file, (await stat(file)).mtimeMs] as const,
        ),
      ),
    );
  };
  const before = await others();
  await writeFile(path.join(dist, 'operator', 'session-trigger-chunk-STALE.mjs'), '');
  const built = await buildOperator(dist, ['session-trigger']);
  expect(Object.keys(built.byCommand)).toEqual(['session-trigger']);
  expect(built.files.map((f) => path.basename(f.file))).toContain('session-trigger.mjs');
  expect(await others()).toEqual(before);
  const after = await readdir(path.join(dist, 'operator'));
  expect(after).toContain('session-trigger.mjs');
  expect(after).not.toContain('session-trigger-chunk-STALE.mjs');
}, 60_000);
