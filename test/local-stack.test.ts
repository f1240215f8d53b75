import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../scripts/local-stack.js';
import { eventually, run, waitForExit, waitForOutput } from './processes.js';

interface Ready {
  processes: { name: string; pid: number }[];
  kubeconfig: string;
}

async function startStack(): Promise<{ proc: ChildProcess; ready: Ready; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'local-stack-'));
  // What `pnpm start` runs, without pnpm in between (it does not pass SIGTERM on).
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOCAL_DIR: dir, DASHBOARD_PORT: '0', WORKERS: '2', REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = await waitForOutput(proc, /^ready: /);
  return { proc, ready: JSON.parse(line.slice('ready: '.length)) as Ready, dir };
}

describe('pnpm start (the local stack as separate processes)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  test('a session created with kubectl runs, stops, and Ctrl-C/SIGTERM leaves no process behind', async () => {
    const { proc, ready, dir } = await startStack();
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const names = ready.processes.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['redis', 'kube-sim', 'watcher', 'worker-1', 'worker-2']));

    const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', ready.kubeconfig, ...args]);
    const manifest = [
      'apiVersion: vteam.ambient-code/v1alpha1',
      'kind: AgenticSession',
      'metadata: { name: hello, namespace: demo }',
      'spec: { initialPrompt: "Say hello", displayName: Hello }',
    ].join('\n');
    const applied = await run('kubectl', ['--kubeconfig', ready.kubeconfig, 'apply', '-f', '-'], manifest);
    expect(applied.stderr).toBe('');
    const phase = () =>
      kubectl('get', 'as', 'hello', '-n', 'demo', '-o', 'jsonpath={.status.phase}').then((r) => r.stdout);
    await eventually(phase, (p) => p === 'Running', 'hello Running');
    const pods = await kubectl('get', 'pods', '-n', 'demo', '-l', 'agentic-session=hello', '-o', 'name');
    expect(pods.stdout.trim()).toMatch(/^pod\/hello-runner-/);

    await kubectl('annotate', 'as', 'hello', '-n', 'demo', 'ambient-code.io/desired-phase=Stopped');
    await eventually(phase, (p) => p === 'Stopped', 'hello Stopped');

    proc.kill('SIGTERM');
    const alive = await waitForExit([proc.pid!, ...ready.processes.map((p) => p.pid)]);
    expect(alive).toEqual([]);
  });

  test('children exit on their own when the supervisor is killed with SIGKILL', async () => {
    const { proc, ready, dir } = await startStack();
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    proc.kill('SIGKILL');
    const alive = await waitForExit(ready.processes.map((p) => p.pid));
    for (const pid of alive) process.kill(pid, 'SIGKILL');
    expect(alive).toEqual([]);
  });
});
