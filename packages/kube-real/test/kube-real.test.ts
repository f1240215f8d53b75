import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { KubeReal } from '@ambient-operator/kube-real';
import { REAL_NODE_NAME, startKubeReal } from '@ambient-operator/kube-real';

const CRDS = fileURLToPath(new URL('../../../deploy/crds', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

let real: KubeReal;
let dir: string;
let kubeconfig: string;

function kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input ?? '');
  });
}
async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
async function eventually(
  args: string[],
  expected: RegExp,
  what: string,
  timeoutMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    last = (await kubectl(args)).stdout;
    if (expected.test(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${last}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const job = (name: string, env: Record<string, string>) => `
apiVersion: batch/v1
kind: Job
metadata: { name: ${name}, namespace: default }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
          env: ${JSON.stringify(Object.entries(env).map(([name, value]) => ({ name, value })))}
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-real-test-'));
  kubeconfig = join(dir, 'kubeconfig');
  real = await startKubeReal({
    crdsDir: CRDS,
    kubeconfigPath: kubeconfig,
    logger: pino({ level: 'silent' }),
  });
}, 240_000);

afterAll(async () => {
  await real?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the real control plane', () => {
  it('serves the CRDs and a Ready node, and kubectl authenticates with the written kubeconfig', async () => {
    expect(await ok(['get', 'crd', '-o', 'name'])).toContain('agenticsessions.vteam.ambient-code');
    expect(await ok(['get', 'nodes', '--no-headers'])).toMatch(
      new RegExp(`^${REAL_NODE_NAME}\\s+Ready`, 'm'),
    );
    expect(await ok(['auth', 'can-i', '--list'])).toContain('*.*');
  });

  it('runs a Job to completion with the same SIM_* scripting as kube-sim', async () => {
    await ok(['apply', '-f', '-'], job('done', { SIM_RUN_SECONDS: '0.2' }));
    await eventually(
      ['get', 'job', 'done', '-o', 'jsonpath={.status.succeeded}'],
      /^1$/,
      'Job done to succeed',
    );
    const pod = await ok(['get', 'pods', '-l', 'job-name=done', '-o', 'json']);
    const status = (JSON.parse(pod) as { items: Array<{ spec: { nodeName: string }; status: unknown }> })
      .items[0]!;
    expect(status.spec.nodeName).toBe(REAL_NODE_NAME);
    expect(status.status).toMatchObject({
      phase: 'Succeeded',
      containerStatuses: [{ name: 'main', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    });
  });

  it('fails a Job whose container exits non-zero, and OOM-kills on SIM_OOM', async () => {
    await ok(['apply', '-f', '-'], job('exit3', { SIM_RUN_SECONDS: '0.1', SIM_EXIT_CODE: '3' }));
    await ok(['apply', '-f', '-'], job('oom', { SIM_OOM: 'true' }));
    await eventually(['get', 'job', 'exit3', '-o', 'jsonpath={.status.failed}'], /^1$/, 'exit3 to fail');
    await eventually(
      [
        'get',
        'pods',
        '-l',
        'job-name=oom',
        '-o',
        'jsonpath={.items[0].status.containerStatuses[0].state.terminated.reason}',
      ],
      /^OOMKilled$/,
      'oom pod OOMKilled',
    );
  });

  it('deletes a running pod gracefully through the node agent', async () => {
    await ok(['run', 'sleeper', '--image=busybox', '--restart=Never']);
    await eventually(
      ['get', 'pod', 'sleeper', '-o', 'jsonpath={.status.phase}'],
      /^Running$/,
      'sleeper Running',
    );
    await ok(['delete', 'pod', 'sleeper', '--wait=true', '--timeout=60s']);
    expect((await kubectl(['get', 'pod', 'sleeper'])).stderr).toContain('NotFound');
  });

  it('reports the memory of each component', () => {
    const rss = real.memoryRssBytes();
    expect(Object.keys(rss).sort()).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager']);
    for (const bytes of Object.values(rss)) expect(bytes).toBeGreaterThan(0);
  });
});

describe('pnpm kube-real (the CLI)', () => {
  it('prints its URL, writes the kubeconfig when ready, and SIGTERM stops every process', async () => {
    const cliDir = await mkdtemp(join(tmpdir(), 'kube-real-cli-'));
    const path = join(cliDir, 'kubeconfig');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, '--kubeconfig', path, '--log-level', 'warn'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      let url = '';
      for await (const line of lines) {
        const match = /^kube-real listening on (https:\/\/127\.0\.0\.1:\d+)$/.exec(line);
        if (match) url = match[1]!;
        if (line.startsWith('kubeconfig written to')) break;
      }
      expect(url).not.toBe('');
      expect(await readFile(path, 'utf8')).toContain(url);
      const children = (await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8'))
        .trim()
        .split(/\s+/)
        .map(Number);
      expect(children).toHaveLength(3);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      for (const pid of children) expect(existsSync(`/proc/${pid}`)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      await writeFile(path, '').catch(() => undefined);
      await rm(cliDir, { recursive: true, force: true });
    }
  }, 240_000);
});
