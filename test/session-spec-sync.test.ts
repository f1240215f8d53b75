import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, condition, startTestCluster, type TestCluster } from '@ambient-operator/testing';

interface Call {
  path: string;
  token: string | undefined;
  body: unknown;
}

/** A stand-in for the runner's HTTP surface; `failWorkflow` makes /workflow answer 500. */
async function startFakeRunner(): Promise<{
  server: Server;
  url: string;
  calls: Call[];
  failWorkflow: boolean;
}> {
  const state = { calls: [] as Call[], failWorkflow: false };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const token = req.headers['x-ambient-session-token'];
      state.calls.push({
        path: req.url ?? '',
        token: Array.isArray(token) ? token[0] : token,
        body: JSON.parse(raw || '{}'),
      });
      res.statusCode = req.url === '/workflow' && state.failWorkflow ? 500 : 200;
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, { server, url });
}

describe('spec changes while Running reach the runner, and status says what happened', () => {
  let cluster: TestCluster;
  let runner: Awaited<ReturnType<typeof startFakeRunner>>;
  beforeAll(async () => {
    runner = await startFakeRunner();
    cluster = await startTestCluster({ worker: { resolveRunnerUrl: () => runner.url } });
  });
  afterAll(async () => {
    await cluster?.stop();
    await new Promise<void>((resolve) => runner?.server.close(() => resolve()));
  });

  const patchSpec = (name: string, spec: Record<string, unknown>) =>
    cluster.custom.patchNamespacedCustomObject(
      { ...GROUP, namespace: 'demo', name, body: { spec } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );

  test('an added repo is posted to /repos/add with the session token and recorded as reconciled', async () => {
    await cluster.createSession('sync', { repos: [{ url: 'https://github.com/org/one.git' }] });
    await cluster.waitForSession('sync', (s) => s.status?.phase === 'Running', 'Running');
    await patchSpec('sync', {
      repos: [
        { url: 'https://github.com/org/one.git' },
        { url: 'https://github.com/org/two.git', branch: 'dev' },
      ],
    });
    const synced = await cluster.waitForSession(
      'sync',
      (s) => s.status?.observedGeneration === 2,
      'generation 2 applied',
    );
    expect(condition(synced, 'ReposReconciled')).toMatchObject({ status: 'True', reason: 'Reconciled' });
    expect(condition(synced, 'Reconciled')).toMatchObject({ status: 'True', reason: 'SpecApplied' });
    const repos = synced.status?.reconciledRepos as { url: string; status: string }[];
    expect(repos.map((r) => r.url).sort()).toEqual([
      'https://github.com/org/one.git',
      'https://github.com/org/two.git',
    ]);

    const token = await cluster.core.readNamespacedSecret({
      namespace: 'demo',
      name: 'ambient-runner-token-sync',
    });
    const agui = Buffer.from(token.data?.['agui-token'] ?? '', 'base64').toString();
    const adds = runner.calls.filter((c) => c.path === '/repos/add');
    expect(adds).toContainEqual({
      path: '/repos/add',
      token: agui,
      body: { url: 'https://github.com/org/two.git', branch: 'dev', name: 'two' },
    });
  });

  test('a workflow switch the runner refuses is reported as failed, not as success', async () => {
    runner.failWorkflow = true;
    await cluster.createSession('wf');
    await cluster.waitForSession('wf', (s) => s.status?.phase === 'Running', 'Running');
    await patchSpec('wf', {
      activeWorkflow: { gitUrl: 'https://github.com/org/workflows.git', path: 'flows/x' },
    });
    const failed = await cluster.waitForSession(
      'wf',
      (s) => condition(s, 'WorkflowReconciled')?.status === 'False',
      'WorkflowReconciled=False',
    );
    expect(condition(failed, 'WorkflowReconciled')?.message).toContain('500');
    expect(condition(failed, 'Reconciled')).toMatchObject({
      status: 'False',
      reason: 'WorkflowReconciliationFailed',
    });
    expect(failed.status?.observedGeneration).toBe(1);

    runner.failWorkflow = false;
    const applied = await cluster.waitForSession(
      'wf',
      (s) => s.status?.observedGeneration === 2,
      'retried and applied',
      60_000,
    );
    expect(applied.status?.reconciledWorkflow).toMatchObject({
      gitUrl: 'https://github.com/org/workflows.git',
      path: 'flows/x',
      status: 'Active',
    });
  });
});
