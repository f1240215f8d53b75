// `pnpm build`: the production form of the operator — one ESM bundle per command of the image's entrypoint
// (deploy/image/operator), plain JavaScript that `node --enable-source-maps` runs with no TypeScript loader.
//   dist/operator/<command>.mjs  the entry points, each built on its own (see buildOperator for why)
//   dist/operator/<command>-chunk-*.mjs  code a command loads only when it reaches an import()
//   dist/operator/*.mjs.map      source maps (mappings only): stack traces name the .ts file and line
//   dist/meta/<command>.json     esbuild's metafile: which modules each file holds and their bytes (not in the image)
//   dist/proto/                  api-contract's .proto files, read at run time from `../proto` of the bundle
// Every dependency is bundled, so the runtime needs no node_modules; the ones left out are optional
// native add-ons whose absence their users handle (msgpackr falls back to JavaScript, ws to its own code).
import { existsSync, statSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The image's commands and the source each one starts (what `pnpm start`'s tsx runs in development). */
export const OPERATOR_COMMANDS = {
  watcher: 'packages/watcher/src/main.ts',
  worker: 'packages/worker/src/main.ts',
  'session-trigger': 'packages/worker/src/session-trigger-main.ts',
} as const;

export type OperatorCommand = keyof typeof OPERATOR_COMMANDS;

/** Where `pnpm build` writes (the image copies `operator/` and `proto/` from here). */
export const DIST_DIR = path.join(REPO_ROOT, 'dist');

/** The bundle `node` runs for one command. */
export function operatorBundle(command: OperatorCommand, distDir: string = DIST_DIR): string {
  return path.join(distDir, 'operator', `${command}.mjs`);
}

/**
 * node-fetch (the Kubernetes client's HTTP) uses `whatwg-url` only where Node has no global URL, which
 * Node ≥ 10 always has; the package itself loads tr46's Unicode tables (~260 KiB of code and their arrays)
 * into every process at start. Resolved to Node's URL instead.
 */
const nodeUrlForWhatwgUrl: Plugin = {
  name: 'whatwg-url-is-node-url',
  setup(b) {
    b.onResolve({ filter: /^whatwg-url$/ }, () => ({ path: 'whatwg-url', namespace: 'node-url' }));
    b.onLoad({ filter: /.*/, namespace: 'node-url' }, () => ({
      contents: 'export const URL = globalThis.URL; export default { URL: globalThis.URL };',
      loader: 'js',
    }));
  },
};

/**
 * zod v4 re-exports every locale it ships (`z.locales`, `z.core.locales`): ~256 KiB of minified code in each
 * command's file, which every process read, parsed and held as source text at start for nothing — zod's messages
 * are English (`config(en())`, imported by zod itself, not through this index) and nothing here calls `z.config`
 * with another locale. The index is replaced by one that re-exports English alone (`z.locales.en` still works, any
 * other locale is undefined): watcher start-up file 1727 → 1471 KiB, worker 2152 → 1896, session-trigger 790 → 535.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-locale-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /\/node_modules\/zod\/v4\/(classic|core|mini)\/[^/]+\.js$/.test(args.importer)
        ? { path: path.join(args.resolveDir, '../locales/index.js'), namespace: 'zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * Packages whose modules do nothing when loaded but define things, declared so to esbuild (as a package.json
 * `"sideEffects": false` would): a module none of whose exports a command uses is then left out of that command's
 * file. bullmq does not declare it, so every command carried all of it (the worker's Worker in the watcher, the
 * FlowProducer everywhere); our own packages neither, and shared's barrel index then pulled every module it
 * re-exports into every command (the api-server source's gRPC and protobufjs into the worker, which never uses
 * them): worker −0.75 MiB of code, watcher −0.4 MiB. None of these has a module imported only for what loading it
 * does (checked: no bare `import 'x'` and no top-level statement but declarations in their sources).
 * (@kubernetes/client-node's modules are side-effect free too, but its generated APIs share modules, so declaring
 * it left out almost nothing.)
 */
const SIDE_EFFECT_FREE = [
  /\/node_modules\/@kubernetes\/client-node\//,
  /\/node_modules\/bullmq\//,
  /^(?!.*\/node_modules\/).*\/packages\/[^/]+\/src\//,
];
/** How those packages are imported from outside them. */
const SIDE_EFFECT_FREE_IMPORT = /^(@kubernetes\/client-node|bullmq|@ambient-operator\/[^/]+)$/;

/** A relative import inside those packages, resolved here: asking esbuild's resolver for each made the build 3× slower. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const file = path.resolve(from, specifier);
  // Our TypeScript sources import `./x.js` for `./x.ts`.
  for (const candidate of [file, file.replace(/\.js$/, '.ts')])
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  return undefined;
}

const declareSideEffectFree: Plugin = {
  name: 'side-effect-free-packages',
  setup(b) {
    b.onResolve({ filter: /^(\.|@kubernetes\/client-node$|bullmq$|@ambient-operator\/)/ }, async (args) => {
      if (args.pluginData === declareSideEffectFree || args.kind === 'entry-point') return undefined;
      if (args.path.startsWith('.')) {
        if (!SIDE_EFFECT_FREE.some((re) => re.test(args.importer))) return undefined;
        const file = resolveRelative(args.resolveDir, args.path);
        return file === undefined ? undefined : { path: file, sideEffects: false };
      }
      if (!SIDE_EFFECT_FREE_IMPORT.test(args.path)) return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: declareSideEffectFree,
      });
      if (resolved.errors.length > 0 || resolved.external) return undefined;
      return { ...resolved, sideEffects: false };
    });
  },
};

/**
 * The watcher loads the queue's code (BullMQ, ioredis and what they bring: 0.85 of the 1.5 MiB it loaded at start)
 * only once its first list requests went out (watcher.ts's lazyEnqueuer, through shared's `session-queue` subpath):
 * loaded at start it cost ~0.15–0.2 CPU-seconds before the first request. But esbuild puts a module in the chunk of every entry that
 * reaches it through imports, used or not, and the watcher's start reaches shared's barrel, whose re-exports of the
 * queue modules would bring them back into the chunk loaded at start. In the watcher's build the barrel leaves those
 * re-exports out; a watcher module that imports one of their names from the barrel fails the build (no such export).
 */
const BARREL_QUEUE_EXPORTS =
  /export \{[^}]*\} from '\.\/queue\/(?:redis-connection|session-queue|session-phase-index|queue-worker)\.js';/g;
const barrelWithoutQueue: Plugin = {
  name: 'shared-barrel-without-queue',
  setup(b) {
    b.onLoad({ filter: /\/packages\/shared\/src\/index\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const kept = source.replace(BARREL_QUEUE_EXPORTS, '');
      // Four re-exports, or the barrel changed shape and this plugin would silently keep the queue at start.
      if (source.match(BARREL_QUEUE_EXPORTS)?.length !== 4)
        throw new Error(`${args.path}: expected 4 re-exports of queue modules to leave out of the watcher`);
      return { contents: kept, loader: 'ts' };
    });
  },
};

/** What one command's build wrote and read. */
export interface CommandBuild {
  /** Its output files (source maps excluded), with their sizes. */
  files: { file: string; bytes: number }[];
  /** Every source file the bundle holds (`pnpm bench` rebuilds a command only when one is newer than its build). */
  inputs: string[];
}

/**
 * Builds `commands` (all by default) into `distDir`; the other commands' files there are left as they are — each
 * command is a build of its own, so `pnpm bench` rebuilds only the ones whose sources changed (the three cost ~10
 * CPU-seconds of esbuild together on the 2-core machine).
 */
export async function buildOperator(
  distDir: string = DIST_DIR,
  commands: readonly OperatorCommand[] = Object.keys(OPERATOR_COMMANDS) as OperatorCommand[],
): Promise<{
  files: { file: string; bytes: number }[];
  byCommand: Partial<Record<OperatorCommand, CommandBuild>>;
}> {
  const outdir = path.join(distDir, 'operator');
  const metaDir = path.join(distDir, 'meta');
  if (commands.length === Object.keys(OPERATOR_COMMANDS).length) {
    await rm(outdir, { recursive: true, force: true });
    await rm(metaDir, { recursive: true, force: true });
  } else {
    // A command's files: <command>.mjs, its chunks <command>-*.mjs, their maps, and meta/<command>.json.
    const existing = await readdir(outdir).catch(() => [] as string[]);
    await Promise.all(
      existing
        .filter((file) => commands.some((c) => file.startsWith(`${c}.`) || file.startsWith(`${c}-`)))
        .map((file) => rm(path.join(outdir, file), { force: true })),
    );
    await Promise.all(commands.map((c) => rm(path.join(metaDir, `${c}.json`), { force: true })));
  }
  await mkdir(metaDir, { recursive: true });
  // One build per command, not one build of all three with shared chunks: esbuild splits shared code by whole
  // files, so the one shared chunk held every module any two commands touched — the watcher loaded the worker's
  // client-node generated APIs (the chunk was 4.1 MiB of the watcher's 4.1 MiB). Built apart, each command loads only
  // what it reaches (watcher 2.5 MiB): idle RSS worker ~102 → ~88 MiB, watcher ~98 → ~90 MiB. The price is disk:
  // the commands' common code is stored once per command in the image.
  const results = await Promise.all(
    commands.map(async (command) => {
      const source = OPERATOR_COMMANDS[command];
      const result = await build({
        absWorkingDir: REPO_ROOT,
        entryPoints: { [command]: path.join(REPO_ROOT, source) },
        outdir,
        bundle: true,
        // A dynamic import() is a chunk loaded only when reached (the api-server source's gRPC in the watcher).
        // Chunks stay beside the entry: api-contract finds its .proto files at `../proto` of the file it runs in.
        splitting: true,
        chunkNames: `${command}-[name]-[hash]`,
        // .mjs: ESM without a package.json beside it (Node would otherwise parse each file twice to guess).
        outExtension: { '.js': '.mjs' },
        platform: 'node',
        format: 'esm',
        target: 'node20.19',
        // ESM builds of packages that ship both (bullmq, msgpackr, ...): their unused exports can be dropped.
        mainFields: ['module', 'main'],
        // Minified: the bundle's source text is held in memory for the life of the process (comments with
        // non-Latin-1 characters made V8 store all of it as two-byte), and stack traces read the source maps.
        minify: true,
        legalComments: 'none',
        sourcemap: 'linked',
        // Mappings only: `--enable-source-maps` parses the maps of every loaded file at start, and file:line
        // is all a stack trace needs.
        sourcesContent: false,
        external: ['msgpackr-extract', 'bufferutil', 'utf-8-validate'],
        plugins: [
          nodeUrlForWhatwgUrl,
          zodEnglishOnly,
          declareSideEffectFree,
          ...(command === 'watcher' ? [barrelWithoutQueue] : []),
        ],
        // Bundled CommonJS calls require() for Node's own modules.
        banner: {
          js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        },
        metafile: true,
        logLevel: 'warning',
      });
      await writeFile(path.join(metaDir, `${command}.json`), JSON.stringify(result.metafile));
      return [command, commandBuild(result.metafile)] as const;
    }),
  );
  // api-contract reads its .proto files from `new URL('../proto', import.meta.url)`.
  await cp(path.join(REPO_ROOT, 'packages/api-contract/proto'), path.join(distDir, 'proto'), {
    recursive: true,
  });
  return {
    files: results.flatMap(([, b]) => b.files),
    byCommand: Object.fromEntries(results),
  };
}

function commandBuild(metafile: Metafile): CommandBuild {
  return {
    files: Object.entries(metafile.outputs)
      .filter(([file]) => !file.endsWith('.map'))
      .map(([file, output]) => ({ file: path.resolve(REPO_ROOT, file), bytes: output.bytes })),
    // (Keys with a namespace, like the plugin's `node-url:whatwg-url`, are not files.)
    inputs: Object.keys(metafile.inputs)
      .filter((file) => !/^[\w-]+:/.test(file))
      .map((file) => path.resolve(REPO_ROOT, file)),
  };
}

const isMain =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  if (process.argv.length > 2) {
    process.stderr.write('usage: pnpm build (no arguments)\n');
    process.exit(64);
  }
  const { files } = await buildOperator();
  for (const { file, bytes } of files)
    process.stdout.write(`${path.relative(REPO_ROOT, file)}  ${Math.round(bytes / 1024)} KiB\n`);
}
