import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  deployDir,
  dockerfileViolations,
  podTemplatesOf,
  readDockerfile,
  repoRoot,
} from '@ambient-operator/deploy-tests';
import { build } from './support/builds.js';

const run = promisify(execFile);
const dockerfile = (): Promise<string> => readFile(join(repoRoot, 'Dockerfile'), 'utf8');
const dispatcher = join(deployDir, 'image/operator');
const fakeApp = fileURLToPath(new URL('./fixtures/fake-app/', import.meta.url));

/** Runs the image's entrypoint script with the app directory pointed at `appDir`. */
async function operator(
  appDir: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('sh', [dispatcher, ...args], {
      env: { ...process.env, AMBIENT_APP_DIR: appDir },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: unknown; stderr?: unknown };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: String(failed.stdout), stderr: String(failed.stderr) };
  }
}

describe('Dockerfile', () => {
  it('passes the review rules: multi-stage, pinned bases, numeric non-root USER, exec ENTRYPOINT, frozen lockfile', async () => {
    expect(dockerfileViolations(await dockerfile())).toEqual([]);
    const facts = readDockerfile(await dockerfile());
    expect(facts.finalUser).toBe('65532:65532');
    expect(facts.entrypoint).toEqual(['/app/operator']);
  });

  it('the review rules catch a single-stage root image on latest with a floating install', () => {
    const violations = dockerfileViolations(`FROM node:latest
RUN curl -fsSL https://example.com/install.sh | sh
RUN pnpm install
CMD node main.js
`);
    expect(violations).toEqual([
      'not a multi-stage build',
      'base image node:latest is not pinned to a version tag',
      'the final stage has no USER (it would run as root)',
      'no exec-form ENTRYPOINT',
      'pipes a download into a shell: curl -fsSL https://example.com/install.sh | sh',
      'pnpm install without --frozen-lockfile: pnpm install',
    ]);
    expect(dockerfileViolations('FROM node:20 AS a\nFROM a\nUSER app\nENTRYPOINT ["x"]\n')).toEqual([
      'USER app is not numeric (runAsNonRoot cannot verify it)',
    ]);
  });

  it('uses the pnpm and Node versions the repository pins', async () => {
    const { args } = readDockerfile(await dockerfile());
    const rootPackage = z
      .looseObject({ packageManager: z.string(), engines: z.looseObject({ node: z.string() }) })
      .parse(JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')));
    expect(`pnpm@${args['PNPM_VERSION']}`).toBe(rootPackage.packageManager);
    // engines: ">=20.19.0 <21 || ..."; the image runs Node 20.
    expect(args['NODE_VERSION']).toMatch(/^20\.(19|[2-9]\d)\.\d+$/);
    expect(rootPackage.engines.node).toMatch(/>=20\.19\.0 <21/);
  });

  it('builds the bundles from the lockfile in a build stage; the runtime stage holds only them and the entrypoint', async () => {
    const facts = readDockerfile(await dockerfile());
    expect(facts.runs).toContain('pnpm build');
    expect(facts.finalCopies).toEqual([
      '/src/dist/operator /app/dist/operator',
      '/src/dist/proto /app/dist/proto',
      'deploy/image/operator /app/operator',
    ]);
    // No TypeScript loader in production: no node_modules to load one from, and the entrypoint starts plain node.
    expect(await readFile(dispatcher, 'utf8')).toMatch(/^exec node \$node_flags "\$entry" "\$@"$/m);
    expect(await readFile(dispatcher, 'utf8')).not.toMatch(/\btsx\b/);
  });

  it('every Deployment starts the image through its entrypoint with a command it knows', async () => {
    const { entrypoint } = readDockerfile(await dockerfile());
    const commands = podTemplatesOf(await build('production'))
      .filter((t) => t.owner.metadata.name !== 'ambient-redis')
      .map((t) => t.spec.containers[0]!.command);
    expect(commands).toEqual([
      [entrypoint![0], 'watcher'],
      [entrypoint![0], 'worker'],
    ]);
  });

  it('.dockerignore keeps node_modules and .git out and lets in everything the build stage uses', async () => {
    const ignored = (await readFile(join(repoRoot, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '.git']));
    for (const needed of [
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      '.npmrc',
      'package.json',
      'packages',
      'deploy',
      'deploy/image',
      'deploy/image/operator',
      'scripts',
      'scripts/build.ts',
    ]) {
      expect(ignored, needed).not.toContain(needed);
    }
  });
});

describe('the image entrypoint (deploy/image/operator)', () => {
  it('runs the component’s bundle with source maps on and the flags passed through, from the app directory', async () => {
    const result = await operator(fakeApp, ['worker', '--max-concurrent-reconciles=3', '--leader-elect']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      execArgv: ['--enable-source-maps', '--optimize-for-size'],
      args: ['--max-concurrent-reconciles=3', '--leader-elect'],
      cwd: fakeApp.replace(/\/$/, ''),
    });
  });

  it('refuses an unknown or missing command with usage (exit 64)', async () => {
    for (const args of [[], ['controller']]) {
      const result = await operator(fakeApp, args);
      expect(result.code).toBe(64);
      expect(result.stderr).toMatch(/usage: operator <watcher\|worker\|session-trigger>/);
    }
  });

  it('says which entry file is missing (exit 69)', async () => {
    const result = await operator(fakeApp, ['session-trigger']);
    expect(result.code).toBe(69);
    expect(result.stderr).toContain('dist/operator/session-trigger.mjs is missing');
  });
});
