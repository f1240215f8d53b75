// `operator session-trigger` end to end (contract §8.3): the image's entrypoint script run as its own process, as a
// CronJob would, against kube-sim with the watcher and a worker running the sessions it creates or reuses, and a
// fake backend receiving the follow-up prompts of Running sessions. The script runs `pnpm build`'s bundle, as in the image.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  eventually,
  startTestCluster,
  type SessionObject,
  type TestCluster,
} from '@ambient-operator/testing';
import { buildOperator } from '../scripts/build.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SESSIONS = { group: 'vteam.ambient-code', version: 'v1alpha1', plural: 'agenticsessions' };

interface BackendCall {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

describe('session-trigger', () => {
  let cluster: TestCluster;
  let dir: string;
  let kubeconfig: string;
  let tokenFile: string;
  let backend: Server;
  let backendUrl: string;
  const calls: BackendCall[] = [];
  let backendStatus = 200;

  beforeAll(async () => {
    cluster = await startTestCluster();
    dir = await mkdtemp(path.join(os.tmpdir(), 'session-trigger-'));
    await buildOperator(path.join(dir, 'dist'));
    kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, cluster.cluster.adminKubeconfig, { mode: 0o600 });
    tokenFile = path.join(dir, 'token');
    await writeFile(tokenFile, 'trigger-sa-token\n');
    backend = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        calls.push({
          method: req.method ?? '',
          url: req.url ?? '',
          authorization: req.headers.authorization,
          body: JSON.parse(text) as unknown,
        });
        res.writeHead(backendStatus, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => backend?.close(resolve));
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs `deploy/image/operator session-trigger` with the CronJob's env; resolves when it exits. */
  function runTrigger(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    const child = spawn('sh', [path.join(repoRoot, 'deploy/image/operator'), 'session-trigger'], {
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        AMBIENT_APP_DIR: dir,
        KUBECONFIG: kubeconfig,
        BACKEND_API_URL: backendUrl,
        SERVICE_ACCOUNT_TOKEN_FILE: tokenFile,
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  }

  const schedule = (name: string, template: Record<string, unknown>, reuse: boolean) => ({
    SESSION_TEMPLATE: JSON.stringify(template),
    PROJECT_NAMESPACE: cluster.namespace,
    SCHEDULED_SESSION_NAME: name,
    REUSE_LAST_SESSION: reuse ? 'true' : 'false',
  });

  const runsOf = async (name: string) =>
    (
      (await cluster.custom.listNamespacedCustomObject({
        ...SESSIONS,
        namespace: cluster.namespace,
        labelSelector: `ambient-code.io/scheduled-session-name=${name}`,
      })) as { items: (SessionObject & { metadata: { labels?: Record<string, string> } })[] }
    ).items;

  test('missing environment is fatal and names what is missing', async () => {
    const result = await runTrigger({ PROJECT_NAMESPACE: cluster.namespace });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SESSION_TEMPLATE must be set');
    expect(result.stderr).toContain('SCHEDULED_SESSION_NAME must be set');
  });

  test('a run creates a labelled session named after the display name and time, which the operator starts', async () => {
    const result = await runTrigger(
      schedule('nightly', { displayName: 'Nightly Triage', initialPrompt: 'triage the backlog' }, true),
    );
    expect(result).toEqual({ code: 0, stderr: '' });
    const runs = await runsOf('nightly');
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run.metadata.name).toMatch(/^nightly-triage-\d{10}$/);
    expect(run.metadata.labels).toMatchObject({
      'ambient-code.io/scheduled-session-name': 'nightly',
      'ambient-code.io/scheduled-run': 'true',
    });
    expect(run.spec).toMatchObject({ initialPrompt: 'triage the backlog' });
    expect(run.spec?.['displayName']).toMatch(
      /^Nightly Triage \([A-Z][a-z]{2} \d{1,2}, \d{4} - \d\d:\d\d:\d\d\)$/,
    );
    await cluster.waitForSession(run.metadata.name, (s) => s.status?.phase === 'Running', 'Running');
  });

  test('reuse of a Running run sends the prompt through the backend with the pod token; no new session', async () => {
    const [run] = await runsOf('nightly');
    const result = await runTrigger(schedule('nightly', { initialPrompt: 'and again' }, true));
    expect(result).toEqual({ code: 0, stderr: '' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: 'POST',
      url: `/api/projects/${cluster.namespace}/agentic-sessions/${run!.metadata.name}/agui/run`,
      authorization: 'Bearer trigger-sa-token',
      body: {
        threadId: run!.metadata.name,
        runId: expect.stringMatching(/^scheduled-\d{10}$/) as unknown,
        messages: [
          { id: expect.stringMatching(/^scheduled-msg-\d+$/) as unknown, role: 'user', content: 'and again' },
        ],
      },
    });
    expect(await runsOf('nightly')).toHaveLength(1);
  });

  test('a backend error fails the run, with no fallback to a new session', async () => {
    backendStatus = 503;
    try {
      const result = await runTrigger(schedule('nightly', { initialPrompt: 'once more' }, true));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('503');
    } finally {
      backendStatus = 200;
    }
    expect(await runsOf('nightly')).toHaveLength(1);
  });

  test('reuse of a Stopped run restarts it with the new prompt, executed rather than resumed', async () => {
    const [run] = await runsOf('nightly');
    const name = run!.metadata.name;
    await cluster.annotate(name, { 'ambient-code.io/desired-phase': 'Stopped' });
    await cluster.waitForSession(name, (s) => s.status?.phase === 'Stopped', 'Stopped');

    const result = await runTrigger(schedule('nightly', { initialPrompt: 'fresh start' }, true));
    expect(result).toEqual({ code: 0, stderr: '' });
    const restarted = await cluster.waitForSession(
      name,
      (s) =>
        s.status?.phase === 'Running' && !s.metadata.annotations?.['ambient-code.io/force-execute-prompt'],
      'Running again, force-execute-prompt consumed',
    );
    expect(restarted.spec?.['initialPrompt']).toBe('fresh start');
    expect(restarted.metadata.annotations?.['ambient-code.io/start-requested-at']).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    const job = await cluster.batch.readNamespacedJob({
      namespace: cluster.namespace,
      name: `${name}-runner`,
    });
    const env = job.spec?.template.spec?.containers.find((c) => c.name === 'ambient-code-runner')?.env ?? [];
    expect(env.find((e) => e.name === 'INITIAL_PROMPT')?.value).toBe('fresh start');
    expect(env.find((e) => e.name === 'IS_RESUME')).toBeUndefined();
    expect(await runsOf('nightly')).toHaveLength(1);
  });

  test('reuse of a Completed run runs it again with the new prompt', async () => {
    // The simulated runner exits 0 after a moment, so each run of this schedule completes.
    const completes = {
      environmentVariables: {
        SIM_TARGET_CONTAINER: 'ambient-code-runner',
        SIM_RUN_SECONDS: '0.3',
        SIM_EXIT_CODE: '0',
      },
    };
    expect(await runTrigger(schedule('hourly', { ...completes, initialPrompt: 'first' }, true))).toEqual({
      code: 0,
      stderr: '',
    });
    const [run] = await eventually(
      () => runsOf('hourly'),
      (r) => r.length === 1,
      'the hourly run',
    );
    const name = run!.metadata.name;
    await cluster.waitForSession(name, (s) => s.status?.phase === 'Completed', 'Completed');

    expect(await runTrigger(schedule('hourly', { ...completes, initialPrompt: 'second' }, true))).toEqual({
      code: 0,
      stderr: '',
    });
    const timesCompleted = (s: SessionObject) =>
      ((s.status?.['phaseHistory'] as { to?: string }[] | undefined) ?? []).filter(
        (h) => h.to === 'Completed',
      ).length;
    const again = await cluster.waitForSession(
      name,
      (s) => timesCompleted(s) === 2,
      'Completed a second time',
    );
    expect(again.spec?.['initialPrompt']).toBe('second');
    expect(await runsOf('hourly')).toHaveLength(1);
  });

  test('when the last run is neither Running, Stopped nor Completed, a new run is created', async () => {
    // A run that fails at once (its name is too long for a Service).
    const failedName = `weekly-${'x'.repeat(53)}`;
    await cluster.custom.createNamespacedCustomObject({
      ...SESSIONS,
      namespace: cluster.namespace,
      body: {
        apiVersion: 'vteam.ambient-code/v1alpha1',
        kind: 'AgenticSession',
        metadata: {
          name: failedName,
          labels: {
            'ambient-code.io/scheduled-session-name': 'weekly',
            'ambient-code.io/scheduled-run': 'true',
          },
        },
        spec: { initialPrompt: 'x' },
      },
    });
    await cluster.waitForSession(failedName, (s) => s.status?.phase === 'Failed', 'Failed');

    const result = await runTrigger(schedule('weekly', { initialPrompt: 'weekly report' }, true));
    expect(result).toEqual({ code: 0, stderr: '' });
    const runs = await eventually(
      () => runsOf('weekly'),
      (r) => r.length === 2,
      'a second weekly run',
    );
    expect(runs.map((r) => r.metadata.name).find((n) => n !== failedName)).toMatch(/^weekly-\d{10}$/);
  });
});
