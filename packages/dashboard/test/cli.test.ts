import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardConfigError, isLoopbackHost, loadDashboardSettings } from '@ambient-operator/dashboard';
import { startKubeSim, type KubeSim } from '@ambient-operator/kube-sim';
import { Redis } from 'ioredis';
import { deletePrefix } from '@ambient-operator/shared/test-redis';
import { CRDS_DIR, get, REDIS_URL } from './harness.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/main.ts');

describe('loadDashboardSettings', () => {
  it('defaults to loopback:3000, read-only, no auth', () => {
    expect(loadDashboardSettings([], {})).toEqual({
      host: '127.0.0.1',
      port: 3000,
      auth: undefined,
      readOnly: true,
      metricsUrls: [],
      kubeconfigPath: undefined,
    });
  });

  it('reads DASHBOARD_* and lets flags win', () => {
    const env = {
      DASHBOARD_HOST: '0.0.0.0',
      DASHBOARD_PORT: '8080',
      DASHBOARD_USERNAME: 'ops',
      DASHBOARD_PASSWORD: 's3cret',
      DASHBOARD_READ_ONLY: 'false',
      DASHBOARD_METRICS_URLS: 'http://w1:8080/metrics, http://w2:8080/metrics',
    };
    expect(loadDashboardSettings([], env)).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      auth: { username: 'ops', password: 's3cret' },
      readOnly: false,
      metricsUrls: ['http://w1:8080/metrics', 'http://w2:8080/metrics'],
    });
    expect(
      loadDashboardSettings(
        ['--port=0', '--host', '::1', '--read-only', '--metrics-url=http://x/metrics'],
        env,
      ),
    ).toMatchObject({ host: '::1', port: 0, readOnly: true, metricsUrls: ['http://x/metrics'] });
  });

  it('names every bad setting', () => {
    expect(() =>
      loadDashboardSettings([], {
        DASHBOARD_PORT: '99999',
        DASHBOARD_READ_ONLY: 'maybe',
        DASHBOARD_METRICS_URLS: 'ftp://x',
      }),
    ).toThrow(
      /--port \/ DASHBOARD_PORT: expected a TCP port number ≤ 65535[\s\S]*DASHBOARD_READ_ONLY: expected one of[\s\S]*DASHBOARD_METRICS_URLS: expected an http\(s\):\/\/ URL/,
    );
    expect(() => loadDashboardSettings(['--bogus'], {})).toThrow(DashboardConfigError);
    expect(() => loadDashboardSettings([], { DASHBOARD_USERNAME: 'ops' })).toThrow(
      /set both DASHBOARD_USERNAME and DASHBOARD_PASSWORD/,
    );
  });

  it('knows loopback hosts', () => {
    for (const h of [
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      'localhost',
      'LOCALHOST',
      '::ffff:127.0.0.1',
    ]) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1', '::2']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });
});

describe('dashboard CLI', () => {
  let sim: KubeSim;
  let dir: string;
  let kubeconfigFile: string;
  const prefix = `test-dashboard-cli-${process.pid}`;

  beforeAll(async () => {
    sim = await startKubeSim({ port: 0, crdsDir: CRDS_DIR });
    dir = mkdtempSync(path.join(tmpdir(), 'dashboard-cli-'));
    kubeconfigFile = path.join(dir, 'kubeconfig');
    writeFileSync(kubeconfigFile, sim.kubeconfig);
  });

  afterAll(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
    const redis = new Redis(REDIS_URL);
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  function run(env: Record<string, string>) {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env['PATH'],
        HOME: dir,
        KUBECONFIG: kubeconfigFile,
        REDIS_URL,
        QUEUE_PREFIX: prefix,
        LOG_LEVEL: 'warn',
        DASHBOARD_PORT: '0',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const started = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', () => {
        const line = stdout.split('\n').find((l) => l.includes('"dashboard":"started"'));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      });
      void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    started.catch(() => undefined); // awaited by the tests that expect a start; others watch `exited`
    return { child, exited, started, output: () => ({ stdout, stderr }) };
  }

  it('serves until SIGTERM, then exits 0', async () => {
    const p = run({});
    const url = await p.started;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await get(`${url}/healthz`)).status).toBe(200);
    expect((await get(`${url}/sessions`)).status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('requires the credentials from the environment', async () => {
    const p = run({ DASHBOARD_USERNAME: 'ops', DASHBOARD_PASSWORD: 'pw' });
    const url = await p.started;
    expect((await get(`${url}/sessions`)).status).toBe(401);
    expect((await get(`${url}/sessions`, { username: 'ops', password: 'pw' })).status).toBe(200);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });

  it('refuses to start off-loopback without credentials, saying why', async () => {
    const p = run({ DASHBOARD_HOST: '0.0.0.0' });
    expect(await p.exited).toBe(1);
    expect(p.output().stderr).toMatch(
      /refusing to listen on 0\.0\.0\.0 without credentials.*DASHBOARD_USERNAME/,
    );
  });
});
