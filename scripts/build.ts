// `pnpm build`: the production form of the operator — one ESM bundle per command of the image's entrypoint
// (deploy/image/operator), plain JavaScript that `node --enable-source-maps` runs with no TypeScript loader.
//   dist/operator/<command>.mjs  the entry points, sharing chunk-*.mjs (code the commands have in common)
//   dist/operator/*.mjs.map      source maps (mappings only): stack traces name the .ts file and line
//   dist/proto/                  api-contract's .proto files, read at run time from `../proto` of the bundle
// Every dependency is bundled, so the runtime needs no node_modules; the ones left out are optional
// native add-ons whose absence their users handle (msgpackr falls back to JavaScript, ws to its own code).
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

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

export async function buildOperator(
  distDir: string = DIST_DIR,
): Promise<{ files: { file: string; bytes: number }[]; inputs: string[] }> {
  const outdir = path.join(distDir, 'operator');
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: Object.fromEntries(
      Object.entries(OPERATOR_COMMANDS).map(([command, source]) => [command, path.join(REPO_ROOT, source)]),
    ),
    outdir,
    bundle: true,
    // Code shared by the commands goes to chunks; a dynamic import() is a chunk loaded only when reached.
    splitting: true,
    chunkNames: '[name]-[hash]',
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
    plugins: [nodeUrlForWhatwgUrl],
    // Bundled CommonJS calls require() for Node's own modules.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
  });
  // api-contract reads its .proto files from `new URL('../proto', import.meta.url)`.
  await cp(path.join(REPO_ROOT, 'packages/api-contract/proto'), path.join(distDir, 'proto'), {
    recursive: true,
  });
  const files = Object.entries(result.metafile.outputs)
    .filter(([file]) => !file.endsWith('.map'))
    .map(([file, output]) => ({ file: path.resolve(REPO_ROOT, file), bytes: output.bytes }));
  // Every source file the bundles hold (`pnpm bench` rebuilds only when one is newer than its last build).
  // (Keys with a namespace, like the plugin's `node-url:whatwg-url`, are not files.)
  const inputs = Object.keys(result.metafile.inputs)
    .filter((file) => !/^[\w-]+:/.test(file))
    .map((file) => path.resolve(REPO_ROOT, file));
  return { files, inputs };
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
