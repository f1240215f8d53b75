// `pnpm bench [--quick]`: runs every suite in one process run, prints a table, writes bench/results.json.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { buildOperator } from '../scripts/build.js';
import type { BenchResults } from './measure.js';
import { suites } from './suites.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--quick');
  if (unknown.length > 0)
    throw new Error(`pnpm bench: unknown argument(s) ${unknown.join(' ')}; usage: pnpm bench [--quick]`);
  const quick = args.includes('--quick');

  const runStarted = Date.now();
  // The operator processes the suites start are the production form: `pnpm build`'s bundles, built now.
  process.stderr.write('bench: pnpm build (the production bundles the suites run)...\n');
  await buildOperator();
  const results: BenchResults = {};
  for (const suite of suites) {
    const started = Date.now();
    process.stderr.write(`bench: ${suite.name}...\n`);
    const figures = await runSuite(suite.name, quick);
    for (const [key, measure] of Object.entries(figures)) results[`${suite.name}.${key}`] = measure;
    process.stderr.write(`bench: ${suite.name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }

  const rows = Object.entries(results).map(([name, m]) => [
    name,
    `${round(m.value)} ${m.unit}`,
    m.baseline === undefined ? '' : `${round(m.baseline)} ${m.unit}`,
    m.ratio === undefined ? '' : `${m.ratio}`,
    m.note ?? '',
  ]);
  printTable(['measure', 'value', 'baseline', 'ratio', 'note'], rows);

  const versions = await softwareVersions();
  const out = {
    ...results,
    _machine: {
      value: os.cpus().length,
      unit: 'cores',
      note: `${os.cpus()[0]?.model ?? 'unknown cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ${Object.entries(
        versions,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )}; ${quick ? 'quick' : 'full'} run in ${Math.round((Date.now() - runStarted) / 1000)} s; ${new Date().toISOString()}`,
      versions,
    },
  };
  process.stdout.write(`\n${out._machine.value} cores; ${out._machine.note}\n`);
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results.json');
  await writeFile(file, JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), file)}\n`);
}

/** One suite in a fresh process; its figures come back as the `RESULT {json}` line. */
function runSuite(name: string, quick: boolean): Promise<BenchResults> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'run-suite.ts');
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', script, name, ...(quick ? ['--quick'] : [])],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let result: BenchResults | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length)) as BenchResults;
    else process.stderr.write(`  ${line}\n`);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0 && result) resolve(result);
      else reject(new Error(`bench suite ${name} failed (exit ${code})`));
    });
  });
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The version of `name` as the workspace package in `fromDir` resolves it. */
function packageVersion(name: string, fromDir: string): string {
  const require = createRequire(path.join(repoRoot, fromDir, 'package.json'));
  // Walk up from the resolved entry point: not every package exports its package.json.
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === name && pkg.version) return pkg.version;
    } catch {
      // no package.json at this level
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

/** Versions of what the figures depend on: node, the queue, the machine, the Kubernetes client, Redis. */
async function softwareVersions(): Promise<Record<string, string>> {
  let redisVersion = 'unknown';
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    redisVersion = /^redis_version:(\S+)/m.exec(await redis.info('server'))?.[1] ?? redisVersion;
  } catch {
    const out = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '';
    redisVersion = /v=(\S+)/.exec(out)?.[1] ?? redisVersion;
  } finally {
    redis.disconnect();
  }
  return {
    node: process.version,
    bullmq: packageVersion('bullmq', 'packages/shared'),
    xstate: packageVersion('xstate', 'packages/machines'),
    '@kubernetes/client-node': packageVersion('@kubernetes/client-node', '.'),
    'redis-server': redisVersion,
  };
}

function round(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2);
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
