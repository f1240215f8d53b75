// `pnpm bench [--quick]`: runs every suite in a process of its own, prints issue 14's figures (target, before,
// baseline, now, met) and then every measure, writes bench/results.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { OPERATOR_COMMANDS, operatorBundle } from '../scripts/build.js';
import { STACK_BUNDLES_ENV } from '../scripts/stack-bundles.js';
import { BENCH_BUNDLE_DIR, BENCH_BUNDLE_ENTRY, BENCH_SHARED_MODULE, buildForBench } from './bundle.js';
import { BENCH_SHARED_MODULE_ENV, type BenchResults, type Measure } from './measure.js';
import { suites } from './suites.js';
import { judge, round, showValue } from './targets.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--quick');
  if (unknown.length > 0)
    throw new Error(`pnpm bench: unknown argument(s) ${unknown.join(' ')}; usage: pnpm bench [--quick]`);
  const quick = args.includes('--quick');

  const runStarted = Date.now();
  // The operator processes the suites start are the production form: `pnpm build`'s bundles (bench/bundle.ts
  // rebuilds each command's bundle and the suites bundle only when a source of it changed since its last build).
  const build = await buildForBench();
  process.stderr.write(
    `bench: the production bundles the suites run (pnpm build) and the suites bundle: ${builtNote(build)}, ${(build.ms / 1000).toFixed(1)} s\n`,
  );
  const results: BenchResults = { 'build.production_form': productionForm(build) };
  // Every suite's process starts now and loads its code side by side with the others (2 cores load them in
  // about half the time one after the other would take); each runs only when the one before it is done.
  const staging = Date.now();
  const staged = suites.map((suite) => stageSuite(suite.name, quick));
  await Promise.all(staged.map((s) => s.loaded));
  process.stderr.write(
    `bench: ${suites.length} suite processes loaded side by side in ${((Date.now() - staging) / 1000).toFixed(1)} s\n`,
  );
  const spent: { name: string; wallS: number; cpuS: number }[] = [];
  for (const [i, suite] of suites.entries()) {
    const started = Date.now();
    const cpuBefore = await childrenCpuSeconds();
    process.stderr.write(`bench: ${suite.name}...\n`);
    const figures = await staged[i]!.run();
    for (const [key, measure] of Object.entries(figures)) results[`${suite.name}.${key}`] = measure;
    const wallS = (Date.now() - started) / 1000;
    // A suite process's CPU is counted once it has exited: its loading (done while staging) included.
    const cpuS = (await childrenCpuSeconds()) - cpuBefore;
    spent.push({ name: suite.name, wallS, cpuS });
    process.stderr.write(`bench: ${suite.name} done in ${wallS.toFixed(1)} s, ${cpuS.toFixed(1)} CPU-s\n`);
  }
  // Where a run's time goes (wall vs CPU per suite): on 2 cores a suite whose CPU-seconds are far below its wall
  // time is waiting (timers, quiet windows, process starts), not computing.
  const sum = (f: (s: (typeof spent)[number]) => number) => spent.reduce((a, s) => a + f(s), 0);
  process.stderr.write(
    `bench: suites ${sum((s) => s.wallS).toFixed(1)} s wall, ${sum((s) => s.cpuS).toFixed(1)} CPU-s (${spent
      .map((s) => `${s.name} ${s.wallS.toFixed(1)}/${s.cpuS.toFixed(1)}`)
      .join(', ')}); whole run ${((Date.now() - runStarted) / 1000).toFixed(1)} s, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );

  const judged = judge(results, quick);
  process.stdout.write(
    `\nIssue 14 (${quick ? 'quick run: smaller sizes, some figures full run only' : 'full run'}):\n`,
  );
  printTable(
    ['#', 'measure', 'target', 'before', 'baseline (this run)', 'now', 'met'],
    judged.map(({ key, target, measure, met }) => [
      String(target.item),
      key,
      target.target || 'report',
      target.before,
      measure?.baseline === undefined ? '' : `${round(measure.baseline)} ${measure.unit}`,
      measure === undefined ? '—' : showValue(measure),
      met,
    ]),
  );
  process.stdout.write('\nEvery measure:\n');
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
  const missing = judged.filter((r) => r.met === 'MISSING').map((r) => r.key);
  if (missing.length > 0) {
    process.stderr.write(`bench: issue 14's figure(s) ${missing.join(', ')} not emitted by any suite\n`);
    process.exitCode = 1;
  }
}

/**
 * Issue 14's item 1 as a figure: how many of the image's commands run compiled JavaScript with a source map,
 * started by the image's entrypoint without a TypeScript loader (the form every suite's operator processes run).
 */
function productionForm(build: Awaited<ReturnType<typeof buildForBench>>): Measure {
  const { files, ms } = build;
  const entrypoint = readFileSync(path.join(repoRoot, 'deploy/image/operator'), 'utf8');
  const noLoader =
    !/\btsx\b|--import|--loader|ts-node/.test(entrypoint) && entrypoint.includes('dist/operator/');
  const commands = Object.keys(OPERATOR_COMMANDS) as (keyof typeof OPERATOR_COMMANDS)[];
  const compiled = commands.filter(
    (c) => noLoader && existsSync(operatorBundle(c)) && existsSync(`${operatorBundle(c)}.map`),
  );
  const kib = Math.round(files.reduce((sum, f) => sum + f.bytes, 0) / 1024);
  return {
    value: compiled.length,
    unit: 'commands',
    note: `of ${commands.length} (${commands.join(', ')}): dist/operator/<command>.mjs with a source map, run by deploy/image/operator (node --enable-source-maps, no TypeScript loader)${noLoader ? '' : ' — the entrypoint loads TypeScript'}; esbuild, ${files.length} files, ${kib} KiB; ${builtNote(build)} (${(ms / 1000).toFixed(1)} s)`,
  };
}

/** Which of the bench's builds (each operator command, the suites bundle) this run made. */
function builtNote({ rebuilt, fresh }: { rebuilt: readonly string[]; fresh: readonly string[] }): string {
  const built = rebuilt.length === 0 ? 'none rebuilt' : `built ${rebuilt.join(', ')}`;
  return fresh.length === 0
    ? built
    : `${built}; fresh (no source newer than its last build): ${fresh.join(', ')}`;
}

/**
 * CPU-seconds (user + system) of this process's waited-for children and their waited-for descendants (Linux
 * /proc/self/stat cutime + cstime; 0 elsewhere): a suite's process, the stacks and workers it starts, all of it
 * once it has exited.
 */
async function childrenCpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13] ?? 0) + Number(fields[14] ?? 0)) / CLOCK_TICKS;
}
/** USER_HZ, the unit of /proc's CPU times (100 on every Linux the bench runs on). */
const CLOCK_TICKS = 100;

/**
 * One suite in a fresh process (the suites bundle: no TypeScript loader), started at once with `--staged`: `loaded`
 * resolves when its code is loaded, `run` starts it and resolves with its figures (the `RESULT {json}` line).
 */
function stageSuite(name: string, quick: boolean): { loaded: Promise<void>; run(): Promise<BenchResults> } {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      // No --enable-source-maps: node 20 parses the map of every file a process loads, which cost the 8 suite
      // processes ~2.5 of their ~10.5 CPU-seconds of loading (8.1 vs 10.6, each set loaded side by side, 3 pairs).
      // A stack trace still names each function; a failed suite is named with the command that gives .ts lines.
      BENCH_BUNDLE_ENTRY,
      name,
      '--staged',
      ...(quick ? ['--quick'] : []),
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: {
        ...process.env,
        [BENCH_SHARED_MODULE_ENV]: BENCH_SHARED_MODULE,
        [STACK_BUNDLES_ENV]: BENCH_BUNDLE_DIR,
      },
    },
  );
  let result: BenchResults | undefined;
  let onLoaded: () => void = () => undefined;
  const loaded = new Promise<void>((resolve) => (onLoaded = resolve));
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'LOADED') onLoaded();
    else if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length)) as BenchResults;
    else process.stderr.write(`  ${line}\n`);
  });
  const done = new Promise<BenchResults>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0 && result) resolve(result);
      else
        reject(
          new Error(
            `bench suite ${name} failed (exit ${code}); with .ts lines in its stack traces: node --expose-gc --enable-source-maps ${path.relative(process.cwd(), BENCH_BUNDLE_ENTRY)} ${name}${quick ? ' --quick' : ''}`,
          ),
        );
    });
  });
  // Reported where it is awaited: by `loaded` when the process ends before it loaded, else by `run`.
  done.catch(() => undefined);
  return {
    loaded: Promise.race([loaded, done.then(() => undefined)]),
    run() {
      child.stdin.end('go\n');
      return done;
    },
  };
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
