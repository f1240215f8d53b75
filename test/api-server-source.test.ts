// The ambient-api-server as the source of truth, against api-sim, kube-sim, Redis, the watcher and two
// workers in one process.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { startApiSim, type ApiSim } from '@ambient-operator/api-sim';
import { AmbientApiClient, createSessionQueue, type SessionQueue } from '@ambient-operator/shared';
import {
  GROUP,
  REDIS_URL,
  eventually,
  startTestCluster,
  type SessionObject,
  type TestCluster,
} from '@ambient-operator/testing';
import { apiSimCaller } from './processes.js';

const TOKEN = 'system-test-token-0123456789';

describe('ambient-api-server source (MODE=kube)', () => {
  let api: ApiSim;
  let cluster: TestCluster;
  let rbac: RbacAuthorizationV1Api;
  let queue: SessionQueue;

  /** Re-enqueues every key and waits until the queue has run them all (nothing waiting or active). */
  async function resyncAndDrain(): Promise<void> {
    await cluster.watcher.resyncNow();
    await eventually(
      () => queue.counts(),
      (c) => c.waiting + c.prioritized + c.active === 0,
      'queue drained',
      30_000,
    );
  }

  const rest = (method: string, apiPath: string, body?: unknown) =>
    apiSimCaller(api.url, TOKEN)(method, apiPath, body);

  const apiSession = (id: string) => rest('GET', `/sessions/${id}`);
  const readCr = (namespace: string, name: string) =>
    cluster.custom.getNamespacedCustomObject({ ...GROUP, namespace, name }) as Promise<SessionObject>;
  const statusPatches = () => api.requestCounts()['rest PATCH /sessions/{id}/status'] ?? 0;

  beforeAll(async () => {
    api = await startApiSim({ token: TOKEN });
    cluster = await startTestCluster({
      workers: 2,
      env: {
        AMBIENT_API_SERVER_URL: api.url,
        AMBIENT_API_TOKEN: TOKEN,
        AMBIENT_GRPC_SERVER_ADDR: api.grpcAddress,
      },
      watcher: {
        apiServer: {
          client: new AmbientApiClient({ url: api.url, token: TOKEN }),
          grpcAddress: api.grpcAddress,
          token: TOKEN,
          mode: 'kube',
          backoffInitialMs: 200,
          backoffMaxMs: 1000,
        },
      },
    });
    rbac = cluster.kc.makeApiClient(RbacAuthorizationV1Api);
    queue = createSessionQueue({ connection: REDIS_URL, prefix: cluster.prefix });
    await rest('POST', '/projects', { name: 'team-a' });
    const ns = await eventually(
      () => cluster.core.readNamespace({ name: 'team-a' }),
      (n) => n.metadata?.labels?.['ambient-code.io/managed'] === 'true',
      'namespace team-a',
    );
    expect(ns.metadata?.labels).toMatchObject({ 'ambient-code.io/project-id': 'team-a' });
    await cluster.core.createNamespacedSecret({
      namespace: 'team-a',
      body: { metadata: { name: 'ambient-runner-secrets' }, stringData: { ANTHROPIC_API_KEY: 'sk-test' } },
    });
  });
  afterAll(async () => {
    await queue?.close();
    await cluster?.stop();
    await api?.stop();
  });

  test('a session POSTed to the API becomes a CR with the mapped spec; its status flows back; stop ends in Stopped; delete removes the CR', async () => {
    const created = await rest('POST', '/sessions', {
      name: 'Fix it',
      project_id: 'team-a',
      prompt: 'go',
      repos: '[{"url":"https://github.com/o/r"}]',
      environment_variables: '{"A":"1"}',
    });
    const id = String(created.id);
    const name = id.toLowerCase();
    const cr = await eventually(
      () => readCr('team-a', name),
      () => true,
      'CR created',
      2_000,
    );
    expect(cr.spec).toMatchObject({
      displayName: 'Fix it',
      initialPrompt: 'go',
      repos: [{ url: 'https://github.com/o/r', branch: `ambient/${name}` }],
      llmSettings: { model: 'sonnet', temperature: 0.7, maxTokens: 4000 },
      environmentVariables: { A: '1' },
    });
    const running = await eventually(
      () => apiSession(id),
      (s) => s.phase === 'Running',
      'API phase Running',
    );
    expect(running).toMatchObject({ kube_cr_uid: cr.metadata.uid, kube_namespace: 'team-a' });
    expect(JSON.parse(String(running.conditions)) as unknown[]).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'True' })]),
    );

    await rest('POST', `/sessions/${id}/stop`);
    const phases: string[] = [];
    await eventually(
      async () => {
        const s = await apiSession(id);
        phases.push(String(s.phase));
        return s;
      },
      (s) => s.phase === 'Stopped',
      'API phase Stopped',
    );
    // never back to Running once stop was asked
    expect(phases.slice(phases.indexOf('Stopping') >= 0 ? phases.indexOf('Stopping') : 0)).not.toContain(
      'Running',
    );
    expect((await readCr('team-a', name)).status?.phase).toBe('Stopped');

    await rest('DELETE', `/sessions/${id}`);
    await eventually(
      () =>
        readCr('team-a', name).then(
          () => 'present',
          () => 'gone',
        ),
      (v) => v === 'gone',
      'CR deleted',
    );
  });

  test('project settings give RoleBindings; a role change replaces them; invalid JSON only warns', async () => {
    const ps = await rest('POST', '/project_settings', {
      project_id: 'team-a',
      group_access: '[{"group":"devs","role":"edit"}]',
    });
    const bindings = () =>
      rbac
        .listNamespacedRoleBinding({ namespace: 'team-a' })
        .then((l) => l.items.map((b) => b.metadata!.name!));
    await eventually(bindings, (names) => names.includes('ambient-devs-edit'), 'binding ambient-devs-edit');
    const rb = await rbac.readNamespacedRoleBinding({ namespace: 'team-a', name: 'ambient-devs-edit' });
    expect(rb.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'edit' });
    expect(rb.subjects).toEqual([expect.objectContaining({ kind: 'Group', name: 'devs' })]);

    await rest('PATCH', `/project_settings/${String(ps.id)}`, {
      group_access: '[{"group":"devs","role":"view"}]',
    });
    await eventually(
      bindings,
      (names) => names.includes('ambient-devs-view') && !names.includes('ambient-devs-edit'),
      'binding replaced',
    );
    await rest('PATCH', `/project_settings/${String(ps.id)}`, { group_access: '{broken' });
    // the invalid value changes nothing: after a full resync has run, the binding is still there
    await resyncAndDrain();
    expect(await bindings()).toContain('ambient-devs-view');
  });

  test('a project deleted in the API keeps its namespace', async () => {
    await rest('POST', '/projects', { name: 'team-b' });
    await eventually(
      () => cluster.core.readNamespace({ name: 'team-b' }),
      () => true,
      'namespace team-b',
    );
    await rest('DELETE', '/projects/team-b');
    await resyncAndDrain();
    const ns = await cluster.core.readNamespace({ name: 'team-b' });
    expect(ns.status?.phase).not.toBe('Terminating');
  });

  test('an idle system sends no status PATCH, even when every key is reconciled again', async () => {
    const created = await rest('POST', '/sessions', { name: 'idle', project_id: 'team-a' });
    const id = String(created.id);
    await eventually(
      () => apiSession(id),
      (s) => s.phase === 'Running',
      'API phase Running',
    );
    // let every pending reconcile finish: the PATCH count stays the same over a full resync
    const before = statusPatches();
    const processed = () => cluster.workers.reduce((n, w) => n + w.running(), 0);
    await cluster.watcher.resyncNow();
    await eventually(
      async () => processed(),
      (n) => n === 0,
      'workers idle',
    );
    const s = await apiSession(id);
    expect(s.phase).toBe('Running');
    expect(statusPatches()).toBe(before);
  });

  test('an invalid session is reported on the API object once and not retried', async () => {
    const created = await rest('POST', '/sessions', { name: 'bad', project_id: 'team-a', repos: 'not json' });
    const id = String(created.id);
    const failed = await eventually(
      () => apiSession(id),
      (s) => s.phase === 'Failed',
      'API phase Failed',
    );
    expect(String(failed.conditions)).toContain('repos is not valid JSON');
    const patches = statusPatches();
    await cluster.watcher.resyncNow();
    await eventually(
      async () => cluster.workers.reduce((n, w) => n + w.running(), 0),
      (n) => n === 0,
      'idle',
    );
    expect(statusPatches()).toBe(patches);
  });

  test('changes made while the streams are down are all reconciled after reconnect', async () => {
    const keep = String((await rest('POST', '/sessions', { name: 'keep', project_id: 'team-a' })).id);
    const doomed = String((await rest('POST', '/sessions', { name: 'doomed', project_id: 'team-a' })).id);
    await eventually(
      () => readCr('team-a', doomed.toLowerCase()),
      () => true,
      'doomed CR',
    );
    api.faults.setStreamOutage(true);
    const born = String((await rest('POST', '/sessions', { name: 'born', project_id: 'team-a' })).id);
    await rest('DELETE', `/sessions/${doomed}`);
    await rest('PATCH', `/sessions/${keep}`, { prompt: 'changed while down' });
    api.faults.setStreamOutage(false);
    await eventually(
      () => readCr('team-a', born.toLowerCase()),
      () => true,
      'born CR',
      30_000,
    );
    await eventually(
      () =>
        readCr('team-a', doomed.toLowerCase()).then(
          () => 'present',
          () => 'gone',
        ),
      (v) => v === 'gone',
      'doomed CR deleted',
      30_000,
    );
    await eventually(
      () => readCr('team-a', keep.toLowerCase()),
      (cr) => cr.spec?.initialPrompt === 'changed while down',
      'keep CR updated',
      30_000,
    );
  });
});
