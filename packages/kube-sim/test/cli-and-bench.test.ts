import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { benchKubeSim } from '@ambient-operator/kube-sim/bench';
import { FIXTURES } from './helpers.js';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('cli', () => {
  it('starts with paths relative to INIT_CWD, writes the kubeconfig, and saves --data on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kube-sim-cli-'));
    // pnpm --filter runs the script in the package directory and sets INIT_CWD to where the user typed.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        '--port',
        '0',
        '--kubeconfig',
        'out/kubeconfig',
        '--crds',
        FIXTURES,
        '--data',
        'state.json',
        '--log-level',
        'silent',
      ],
      {
        cwd: PACKAGE_DIR,
        env: { ...process.env, INIT_CWD: dir },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const lines = createInterface(child.stdout);
      const url = await new Promise<string>((resolve, reject) => {
        lines.on('line', (line) => {
          const m = /^kube-sim listening on (http:\/\/\S+)$/.exec(line);
          if (m) resolve(m[1]!);
        });
        child.on('exit', () => reject(new Error('cli exited before listening')));
        child.on('error', reject);
      });
      const kubeconfig = await readFile(join(dir, 'out/kubeconfig'), 'utf8');
      expect(kubeconfig).toContain(`server: ${url}`);
      const crds = await new Promise<string>((resolve, reject) =>
        execFile(
          '/usr/bin/kubectl',
          ['get', 'crd', '-o', 'name'],
          { env: { PATH: process.env.PATH, HOME: dir, KUBECONFIG: join(dir, 'out/kubeconfig') } },
          (err, stdout) => (err ? reject(err) : resolve(stdout)),
        ),
      );
      expect(crds).toContain('agenticsessions.vteam.ambient-code');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect((await stat(join(dir, 'state.json'))).size).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('benchKubeSim', () => {
  it('returns throughput, fan-out and memory figures (small run)', async () => {
    const result = await benchKubeSim({ sessions: 300, requests: 50, watchers: 3, watchWrites: 30 });
    expect(result.sessions).toBe(300);
    for (const key of [
      'getRequestsPerSecond',
      'patchRequestsPerSecond',
      'watchEventsPerSecond',
      'rssMiB',
    ] as const) {
      expect(result[key]).toBeGreaterThan(0);
    }
  }, 30_000);
});
