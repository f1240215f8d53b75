// The worker's lean Kubernetes client against kube-sim over HTTP: what it sends, what it returns, and that its
// failures classify as client-node's did (404 an outcome, 409 a conflict, the Status message kept).
import http from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startKubeSim, type KubeSim } from '@ambient-operator/kube-sim';
import {
  KubeApiError,
  SharedAgentKubeConfig,
  apiErrorStatus,
  classifyError,
  isAlreadyExists,
  isConflict,
  isNotFound,
  jsonPatch,
  makeKubeClients,
  mergePatch,
  strategicMergePatch,
  withAbortSignal,
  type KubeClients,
} from '@ambient-operator/shared';

const NS = 'lean';
let sim: KubeSim;
let kc: SharedAgentKubeConfig;
let api: KubeClients;

beforeAll(async () => {
  sim = await startKubeSim({ namespaces: [NS] });
  kc = new SharedAgentKubeConfig();
  kc.loadFromString(sim.kubeconfig);
  api = makeKubeClients(kc);
});

afterAll(async () => {
  kc?.destroyAgent();
  await sim?.stop();
});

const failureOf = async (call: Promise<unknown>): Promise<unknown> => {
  try {
    await call;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
};

describe('answers are the JSON the server sent', () => {
  test('a created Job reads back with string timestamps and no model conversion', async () => {
    const created = await api.batch.createNamespacedJob({
      namespace: NS,
      body: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'plain', labels: { app: 'lean' } },
        spec: {
          suspend: true,
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'example.invalid/c:1' }] },
          },
        },
      },
    });
    const read = await api.batch.readNamespacedJob({ namespace: NS, name: 'plain' });
    expect(typeof read.metadata?.creationTimestamp).toBe('string');
    expect(read.metadata?.creationTimestamp).toBe(created.metadata?.creationTimestamp);
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(read.metadata?.uid).toBe(created.metadata?.uid);
  });

  test('query parameters: selectors, limit and continue (client-node’s `_continue`)', async () => {
    for (const name of ['page-a', 'page-b', 'page-c'])
      await api.core.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { name, labels: { page: 'yes' } }, data: {} },
      });
    const first = await api.core.listNamespacedConfigMap({
      namespace: NS,
      labelSelector: 'page=yes',
      limit: 2,
    });
    expect(first.items.map((c) => c.metadata?.name)).toEqual(['page-a', 'page-b']);
    expect(first.metadata?.continue).toBeTruthy();
    const rest = await api.core.listNamespacedConfigMap({
      namespace: NS,
      labelSelector: 'page=yes',
      limit: 2,
      continue: first.metadata?.continue,
    });
    expect(rest.items.map((c) => c.metadata?.name)).toEqual(['page-c']);
  });
});

describe('failures classify as before', () => {
  test('404 is NotFound (an outcome, retryable when unexpected) with the Status message kept', async () => {
    const err = await failureOf(api.core.readNamespacedSecret({ namespace: NS, name: 'missing' }));
    expect(err).toBeInstanceOf(KubeApiError);
    expect(isNotFound(err)).toBe(true);
    expect(apiErrorStatus(err)?.message).toMatch(/missing/);
    expect((err as Error).message).toMatch(
      /GET \/api\/v1\/namespaces\/lean\/secrets\/missing: HTTP 404 NotFound: .*missing/,
    );
    expect(classifyError(err)).toMatchObject({ kind: 'retryable', code: 'NOT_FOUND', httpStatus: 404 });
  });

  test('409 AlreadyExists on a second create; 409 Conflict on a stale resourceVersion', async () => {
    const body = { metadata: { name: 'twice' }, data: { a: '1' } };
    const first = await api.core.createNamespacedConfigMap({ namespace: NS, body });
    const again = await failureOf(api.core.createNamespacedConfigMap({ namespace: NS, body }));
    expect(isAlreadyExists(again)).toBe(true);
    expect(classifyError(again)).toMatchObject({ kind: 'conflict', code: 'ALREADY_EXISTS' });

    await api.core.patchNamespacedConfigMap(
      { namespace: NS, name: 'twice', body: { data: { a: '2' } } },
      mergePatch,
    );
    const stale = await failureOf(
      api.core.replaceNamespacedConfigMap({
        namespace: NS,
        name: 'twice',
        body: {
          metadata: { name: 'twice', resourceVersion: first.metadata?.resourceVersion },
          data: { a: '3' },
        },
      }),
    );
    expect(isConflict(stale)).toBe(true);
    expect(classifyError(stale)).toMatchObject({ kind: 'conflict', code: 'CONFLICT' });
  });

  test('custom objects: the path is built from group, version and plural; absent is NotFound', async () => {
    const ref = {
      group: 'vteam.ambient-code',
      version: 'v1alpha1',
      plural: 'agenticsessions',
      namespace: NS,
    };
    const err = await failureOf(api.customObjects.getNamespacedCustomObject({ ...ref, name: 'absent' }));
    expect(isNotFound(err)).toBe(true);
    expect((err as Error).message).toMatch(
      /^GET \/apis\/vteam.ambient-code\/v1alpha1\/namespaces\/lean\/agenticsessions\/absent:/,
    );
  });
});

describe('patches name their strategy', () => {
  test('merge patch, JSON patch (a failed test is 422), strategic merge of a built-in kind', async () => {
    await api.core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'patched' }, data: { keep: 'k', drop: 'd' } },
    });
    const merged = await api.core.patchNamespacedConfigMap(
      { namespace: NS, name: 'patched', body: { data: { drop: null, added: 'a' } } },
      mergePatch,
    );
    expect(merged.data).toEqual({ keep: 'k', added: 'a' });

    const jsonPatched = await api.core.patchNamespacedConfigMap(
      {
        namespace: NS,
        name: 'patched',
        body: [
          { op: 'test', path: '/data/keep', value: 'k' },
          { op: 'replace', path: '/data/keep', value: 'K' },
        ],
      },
      jsonPatch,
    );
    expect(jsonPatched.data?.['keep']).toBe('K');
    const failedTest = await failureOf(
      api.core.patchNamespacedConfigMap(
        { namespace: NS, name: 'patched', body: [{ op: 'test', path: '/data/keep', value: 'k' }] },
        jsonPatch,
      ),
    );
    expect((failedTest as KubeApiError).code).toBe(422);

    const strategic = await api.core.patchNamespacedConfigMap(
      { namespace: NS, name: 'patched', body: { data: { more: 'm' } } },
      strategicMergePatch,
    );
    expect(strategic.data).toEqual({ keep: 'K', added: 'a', more: 'm' });
  });
});

describe('cancellation and time limits', () => {
  test("the reconcile's abort signal cancels a request in flight (AbortError: retryable)", async () => {
    sim.faults.configure({ latencyMs: 2000 });
    try {
      const controller = new AbortController();
      const started = Date.now();
      const pending = withAbortSignal(controller.signal, () =>
        failureOf(api.core.readNamespacedConfigMap({ namespace: NS, name: 'patched' })),
      );
      setTimeout(() => controller.abort(new Error('reconcile timed out')), 100);
      const err = await pending;
      expect(Date.now() - started).toBeLessThan(1500);
      expect((err as Error).name).toBe('AbortError');
      expect(classifyError(err)).toMatchObject({ kind: 'retryable', code: 'TIMEOUT' });
      // An already-aborted scope sends nothing.
      const before = sim.requestCount();
      const early = await withAbortSignal(AbortSignal.abort(), () =>
        failureOf(api.core.readNamespacedConfigMap({ namespace: NS, name: 'patched' })),
      );
      expect((early as Error).name).toBe('AbortError');
      expect(sim.requestCount()).toBe(before);
    } finally {
      sim.faults.reset();
    }
  });

  test('no response headers within the header timeout fails the request (retryable TIMEOUT)', async () => {
    const slow = makeKubeClients(kc, { headerTimeoutMs: 200 });
    sim.faults.configure({ latencyMs: 2000 });
    try {
      const err = await failureOf(slow.core.readNamespacedConfigMap({ namespace: NS, name: 'patched' }));
      expect((err as Error).message).toMatch(/no response within 200 ms/);
      expect(classifyError(err)).toMatchObject({ kind: 'retryable', code: 'TIMEOUT' });
    } finally {
      sim.faults.reset();
    }
    // The client still works afterwards (the destroyed socket is not reused).
    expect((await slow.core.readNamespacedConfigMap({ namespace: NS, name: 'patched' })).data?.['more']).toBe(
      'm',
    );
  });
});

describe('behind a proxy-url', () => {
  test("requests go through the kubeconfig's proxy (node:http on the agent client-node builds for it)", async () => {
    // A tunnelling proxy (client-node's proxy agents ask for a CONNECT tunnel, to an http: server too); each
    // tunnel recorded.
    const tunnels: string[] = [];
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
      tunnels.push(req.url!);
      const [host, port] = req.url!.split(':');
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxied = new SharedAgentKubeConfig();
    proxied.loadFromString(sim.kubeconfig);
    proxied.loadFromOptions({
      clusters: proxied.clusters.map((c) => ({
        ...c,
        proxyUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      })),
      users: proxied.users,
      contexts: proxied.contexts,
      currentContext: proxied.currentContext,
    });
    try {
      expect(await proxied.sharedConnections()).toBeUndefined();
      const viaProxy = makeKubeClients(proxied);
      await viaProxy.core.createNamespacedConfigMap({
        namespace: NS,
        body: { metadata: { name: 'proxied' }, data: { via: 'proxy' } },
      });
      const read = await viaProxy.core.readNamespacedConfigMap({ namespace: NS, name: 'proxied' });
      expect(read.data?.['via']).toBe('proxy');
      // Through the proxy: tunnels to the API server, no lean connection.
      expect(tunnels.length).toBeGreaterThan(0);
      expect(new Set(tunnels)).toEqual(new Set([new URL(proxied.getCurrentCluster()!.server).host]));
      const missing = await failureOf(
        viaProxy.core.readNamespacedConfigMap({ namespace: NS, name: 'absent' }),
      );
      expect(isNotFound(missing)).toBe(true);
    } finally {
      proxied.destroyAgent();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
