// The suites as one plain-JavaScript bundle (dist/bench-suites/), built by `pnpm bench` beside the operator's
// bundles. Why: each suite runs in a process of its own, and loading the workspace's TypeScript through tsx cost
// every suite process about 2 CPU-seconds before it measured anything (3.3 s vs 1.2 s of CPU to import the worker
// suite; ~15 s of a quick run on 2 cores). Third-party packages are bundled as well (a suite process loaded in
// ~2.3 CPU-s with them external, ~1.3 bundled), the same versions pnpm installed, so the suites run the same
// dependency code as under tsx.
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { z } from 'zod';
import { OPERATOR_COMMANDS, buildOperator, type OperatorCommand } from '../scripts/build.js';
import { STACK_BUNDLED_SCRIPTS, stackScriptBundle } from '../scripts/stack-bundles.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the suites' bundle goes (`tsc -b` emits bench's declarations to dist/bench). */
export const BENCH_BUNDLE_DIR = path.join(REPO_ROOT, 'dist', 'bench-suites');

/** The entry point `pnpm bench` starts for each suite: bench/run-suite.ts, bundled. */
export const BENCH_BUNDLE_ENTRY = path.join(BENCH_BUNDLE_DIR, 'run-suite.mjs');

/**
 * packages/shared's queue worker bundled, for the processes a suite starts that need only it (see
 * BENCH_SHARED_MODULE_ENV): the queue alone (bullmq, ioredis, zod) loads in about half the CPU of all of shared,
 * whose index pulls in the Kubernetes client, pino, prom-client and gRPC.
 */
export const BENCH_SHARED_MODULE = path.join(BENCH_BUNDLE_DIR, 'shared-queue-worker.mjs');

/** Packages the suites bundle leaves to node: native and optional add-ons, as the operator's bundles do. */
const THIRD_PARTY_EXTERNAL = /^(msgpackr-extract|bufferutil|utf-8-validate)(\/|$)/;

const suitesPlugin: Plugin = {
  name: 'bench-suites',
  setup(b) {
    // The stack's children load exit-with-parent.mjs with --import as well: one module by one URL, so it runs once.
    b.onResolve({ filter: /exit-with-parent\.mjs$/ }, (args) => ({
      path: pathToFileURL(path.resolve(args.resolveDir, args.path)).href,
      external: true,
    }));
    // Third-party packages are bundled too: loading hundreds of their modules (the Kubernetes client's above all)
    // cost every suite process ~1 CPU-second of resolving and compiling more than one bundled file does. Left out:
    // native and optional add-ons (as in the operator's bundles), imported by absolute path from where pnpm
    // installed them for the importing package, or by name when not installed (their importers load them in a try).
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      if (!THIRD_PARTY_EXTERNAL.test(args.path) || args.pluginData === 'resolving') return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'resolving',
      });
      if (resolved.errors.length > 0 || resolved.external) return { path: args.path, external: true };
      return { path: pathToFileURL(resolved.path).href, external: true };
    });
    // Code that finds files next to itself (REPO_ROOT, CRDs, .proto files) keeps finding them: each source
    // file's import.meta.url is its own location, not the bundle's.
    b.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replaceAll(
        'import.meta.url',
        JSON.stringify(pathToFileURL(args.path).href),
      ),
      loader: 'ts',
    }));
  },
};

/**
 * Bundles bench/run-suite.ts and the suites it loads (one chunk per suite) into `outdir`; bench/suites.ts is an
 * entry point too (`suites.mjs`), so a test can load every suite's code as the bench does.
 */
export async function buildBenchSuites(outdir: string = BENCH_BUNDLE_DIR): Promise<{ inputs: string[] }> {
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: {
      'run-suite': path.join(REPO_ROOT, 'bench/run-suite.ts'),
      suites: path.join(REPO_ROOT, 'bench/suites.ts'),
      'shared-queue-worker': path.join(REPO_ROOT, 'packages/shared/src/queue/queue-worker.ts'),
      // kube-sim, api-sim and the Redis supervisor as the suites' stacks start them (scripts/stack-bundles.ts).
      ...Object.fromEntries(
        STACK_BUNDLED_SCRIPTS.map((script) => [
          stackScriptBundle(script).replace(/\.mjs$/, ''),
          path.join(REPO_ROOT, script),
        ]),
      ),
    },
    outdir,
    bundle: true,
    splitting: true,
    outExtension: { '.js': '.mjs' },
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    // Whitespace and syntax minified, names kept: each suite process parses less at start (the 8 loaded side by
    // side: ~7.9 vs ~9.3–11.7 CPU-s, interleaved under load ~10). `pnpm bench` runs them without
    // --enable-source-maps (run.ts); with it, the linked maps give a failure's .ts lines.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    plugins: [suitesPlugin],
    // Bundled CommonJS calls require() for Node's own modules.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
  });
  return { inputs: Object.keys(result.metafile.inputs).map((file) => path.resolve(REPO_ROOT, file)) };
}

/**
 * What the last builds for the bench held and when each started, by build: each operator command's bundle
 * (`pnpm build` builds them apart) and the suites bundle. One is fresh while no input of it is newer.
 */
const STAMP = path.join(REPO_ROOT, 'dist', 'bench-build.json');
const buildStampSchema = z.object({
  startedAt: z.number(),
  inputs: z.array(z.string()),
  /** What it wrote that must still be there (the operator commands' with their sizes, for the figure's note). */
  files: z.array(z.object({ file: z.string(), bytes: z.number() })),
});
const stampSchema = z.object({ builds: z.record(z.string(), buildStampSchema) });
type BuildStamp = z.infer<typeof buildStampSchema>;

/** The bench's builds: the operator's commands, and the suites bundle. */
const SUITES_BUILD = 'suites';
const OPERATOR_BUILDS = Object.keys(OPERATOR_COMMANDS) as OperatorCommand[];

/**
 * Files a build reads that are not in esbuild's inputs: how packages resolve (the lockfile, the installed tree,
 * package.json exports, tsconfig) and the build definitions themselves.
 */
async function buildDefinitionFiles(): Promise<string[]> {
  const packages = await readdir(path.join(REPO_ROOT, 'packages'));
  return [
    'pnpm-lock.yaml',
    'node_modules/.modules.yaml',
    'package.json',
    'tsconfig.base.json',
    'scripts/build.ts',
    'bench/bundle.ts',
    ...packages.map((p) => `packages/${p}/package.json`),
  ].map((file) => path.join(REPO_ROOT, file));
}

/**
 * Whether a build is fresh: stamped, every file it wrote still there, and no input or build definition modified
 * since it started (a file that cannot be read counts as modified). `mtimeOf` gives undefined for a missing file.
 */
export function isFresh(
  stamp: BuildStamp | undefined,
  definitions: readonly string[],
  mtimeOf: (file: string) => number | undefined,
): boolean {
  if (stamp === undefined) return false;
  if (stamp.files.some((f) => mtimeOf(f.file) === undefined)) return false;
  return [...stamp.inputs, ...definitions].every((file) => (mtimeOf(file) ?? Infinity) < stamp.startedAt);
}

async function readStamp(): Promise<Record<string, BuildStamp>> {
  const stamp = stampSchema.safeParse(
    await readFile(STAMP, 'utf8')
      .then((text) => JSON.parse(text) as unknown)
      .catch(() => undefined),
  );
  return stamp.success ? stamp.data.builds : {};
}

/** Modification times of `files` (undefined where one is missing or cannot be read). */
async function mtimes(files: Iterable<string>): Promise<Map<string, number | undefined>> {
  const unique = [...new Set(files)];
  const times = await Promise.all(
    unique.map((file) =>
      stat(file).then(
        (s) => s.mtimeMs,
        () => undefined,
      ),
    ),
  );
  return new Map(unique.map((file, i) => [file, times[i]]));
}

/**
 * The operator's bundles (`pnpm build`) and the suites bundle, each rebuilt only when it is not fresh: a quick run
 * spent 6–8 s on 2 cores rebuilding them all (esbuild: ~10 CPU-s for the three commands, ~5 for the suites), and a
 * change to the bench or to one command's code leaves the others as they were built. A stale bundle must never be
 * measured — so any source file of a bundle, or any file deciding how the bundles resolve, newer than that bundle's
 * build rebuilds it.
 */
export async function buildForBench(): Promise<{
  files: { file: string; bytes: number }[];
  /** The builds made this time (operator commands by name, `suites`); empty when all were fresh. */
  rebuilt: string[];
  /** The builds left as they were (fresh). */
  fresh: string[];
  ms: number;
}> {
  const startedAt = Date.now();
  const builds = await readStamp();
  const definitions = await buildDefinitionFiles();
  const times = await mtimes([
    ...definitions,
    ...Object.values(builds).flatMap((b) => [...b.inputs, ...b.files.map((f) => f.file)]),
  ]);
  const fresh = (name: string) => isFresh(builds[name], definitions, (file) => times.get(file));
  const staleCommands = OPERATOR_BUILDS.filter((c) => !fresh(c));
  const suitesStale = !fresh(SUITES_BUILD);
  const rebuilt = [...staleCommands, ...(suitesStale ? [SUITES_BUILD] : [])];
  if (rebuilt.length > 0) {
    // Stale builds leave the stamp before they start: one that fails or is stopped halfway stays stale.
    for (const name of rebuilt) delete builds[name];
    await writeFile(STAMP, JSON.stringify({ builds }));
    if (staleCommands.length > 0) {
      const operator = await buildOperator(undefined, staleCommands);
      for (const command of staleCommands) builds[command] = { startedAt, ...operator.byCommand[command]! };
    }
    if (suitesStale) {
      const suites = await buildBenchSuites();
      builds[SUITES_BUILD] = {
        startedAt,
        inputs: suites.inputs,
        files: [BENCH_BUNDLE_ENTRY, BENCH_SHARED_MODULE].map((file) => ({ file, bytes: 0 })),
      };
    }
    await writeFile(STAMP, JSON.stringify({ builds }));
  }
  return {
    files: OPERATOR_BUILDS.flatMap((c) => builds[c]!.files),
    rebuilt,
    fresh: [...OPERATOR_BUILDS, SUITES_BUILD].filter((name) => !rebuilt.includes(name)),
    ms: Date.now() - startedAt,
  };
}
