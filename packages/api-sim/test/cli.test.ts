import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const TOKEN = 'cli-token-0123456789abcdef';

interface Running {
  rest: string;
  grpc: string;
  stop(): Promise<number | null>;
}

/** Runs the CLI as `pnpm api-sim` does (package directory, INIT_CWD = where the user typed). */
async function runCli(dir: string): Promise<Running> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli.ts',
      '--http-port',
      '0',
      '--grpc-port',
      '0',
      '--token',
      TOKEN,
      '--data',
      'state.json',
    ],
    { cwd: PACKAGE_DIR, env: { ...process.env, INIT_CWD: dir }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = createInterface(child.stdout);
  const urls = await new Promise<{ rest: string; grpc: string }>((resolve, reject) => {
    let rest = '';
    lines.on('line', (line) => {
      const r = /^api-sim REST on (http:\/\/\S+)$/.exec(line);
      if (r) rest = r[1]!;
      const g = /^api-sim gRPC on (\S+)$/.exec(line);
      if (g) resolve({ rest, grpc: g[1]! });
    });
    child.on('exit', () => reject(new Error('cli exited before listening')));
  });
  return {
    ...urls,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('pnpm api-sim', () => {
  it('prints its URLs, keeps its data in --data across restarts and writes nothing else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'api-sim-cli-'));
    try {
      const first = await runCli(dir);
      expect(first.rest).toMatch(/\/api\/ambient\/v1$/);
      expect(first.grpc).toMatch(/^127\.0\.0\.1:\d+$/);
      const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
      const created = await fetch(`${first.rest}/projects`, {
        method: 'POST',
        headers,
        body: '{"name":"kept"}',
      });
      expect(created.status).toBe(201);
      expect(await first.stop()).toBe(0);
      expect(await readdir(dir)).toEqual(['state.json']);

      const second = await runCli(dir);
      const got = await fetch(`${second.rest}/projects/kept`, { headers });
      expect(got.status).toBe(200);
      // a deleted project's name stays taken after a restart too
      await fetch(`${second.rest}/projects/kept`, { method: 'DELETE', headers });
      expect(await second.stop()).toBe(0);
      const third = await runCli(dir);
      const again = await fetch(`${third.rest}/projects`, {
        method: 'POST',
        headers,
        body: '{"name":"kept"}',
      });
      expect(again.status).toBe(409);
      expect(await third.stop()).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
