import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  KubeConfigError,
  createKubeConfig,
  isAlreadyExists,
  loadConfig,
  isNotFound,
  apiErrorCode,
  makeApiClients,
  makeKubeClients,
} from '@ambient-operator/shared';

/** A tiny API server: counts TCP connections and answers a few paths like the real one. */
interface FakeApiServer {
  url: string;
  connections: () => number;
  authorizations: string[];
  close: () => Promise<void>;
}

async function startFakeApiServer(): Promise<FakeApiServer> {
  let connections = 0;
  const authorizations: string[] = [];
  const server = http.createServer((req, res) => {
    authorizations.push(req.headers.authorization ?? '');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url?.startsWith('/api/v1/namespaces?watch=true')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        `${JSON.stringify({ type: 'ADDED', object: { kind: 'Namespace', metadata: { name: 'demo' } } })}\n`,
      );
    } else if (req.url === '/api/v1/namespaces' && req.method === 'GET') {
      send(200, { kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [] });
    } else if (req.url === '/api/v1/namespaces' && req.method === 'POST') {
      send(409, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'AlreadyExists', code: 409 });
    } else {
      send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
    }
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function kubeconfigYaml(
  server: string,
  opts: { skipTls?: boolean; token?: string; context?: string } = {},
): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: sim',
    '  cluster:',
    `    server: ${server}`,
    ...(opts.skipTls === false ? [] : ['    insecure-skip-tls-verify: true']),
    'users:',
    '- name: op',
    '  user:',
    `    token: ${opts.token ?? 'test-token'}`,
    'contexts:',
    '- name: sim',
    '  context: {cluster: sim, user: op, namespace: demo}',
    `current-context: ${opts.context ?? 'sim'}`,
    '',
  ].join('\n');
}

let dir: string;
let api: FakeApiServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'k8s-client-test-'));
  api = await startFakeApiServer();
});

afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeKubeconfig(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('createKubeConfig', () => {
  test('takes its environment from loadConfig', () => {
    const file = writeKubeconfig('from-config', kubeconfigYaml(api.url));
    const config = loadConfig([], { KUBECONFIG: file, PATH: '/usr/bin' });
    expect(createKubeConfig({ env: config.kube.env }).getCurrentCluster()?.server).toBe(api.url);
  });

  test('loads an explicit kubeconfig path', () => {
    const file = writeKubeconfig('explicit', kubeconfigYaml(api.url));
    const kc = createKubeConfig({ kubeconfigPath: file, env: {} });
    expect(kc.getCurrentCluster()?.server).toBe(api.url);
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('demo');
  });

  test('loads KUBECONFIG, merging a path list (first file decides the context)', () => {
    const a = writeKubeconfig('a', kubeconfigYaml(api.url));
    const b = writeKubeconfig(
      'b',
      kubeconfigYaml('https://other:6443', { context: 'sim' }).replace(/sim/g, 'other').replace('op', 'op2'),
    );
    const kc = createKubeConfig({ env: { KUBECONFIG: [a, b].join(path.delimiter) } });
    expect(kc.getCurrentCluster()?.server).toBe(api.url);
    expect(kc.getClusters().map((c) => c.name)).toEqual(['sim', 'other']);
  });

  test('loads the in-cluster service account from the given env and directory', () => {
    const sa = path.join(dir, 'sa');
    mkdirSync(sa);
    writeFileSync(path.join(sa, 'token'), 'sa-token');
    writeFileSync(path.join(sa, 'namespace'), 'ambient-code\n');
    const kc = createKubeConfig({
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      serviceAccountDir: sa,
    });
    expect(kc.getCurrentCluster()).toMatchObject({
      server: 'https://[fd00::1]:443',
      caFile: path.join(sa, 'ca.crt'),
    });
    expect(kc.getCurrentUser()?.authProvider).toEqual({
      name: 'tokenFile',
      config: { tokenFile: path.join(sa, 'token') },
    });
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('ambient-code');
  });

  test('falls back to $HOME/.kube/config', () => {
    const home = path.join(dir, 'home');
    mkdirSync(path.join(home, '.kube'), { recursive: true });
    writeFileSync(path.join(home, '.kube', 'config'), kubeconfigYaml(api.url));
    expect(createKubeConfig({ env: { HOME: home } }).getCurrentCluster()?.server).toBe(api.url);
  });

  test('never falls back to http://localhost:8080: no configuration is an error', () => {
    const env = { HOME: path.join(dir, 'nowhere'), KUBERNETES_SERVICE_HOST: '10.0.0.1' };
    expect(() => createKubeConfig({ env, serviceAccountDir: path.join(dir, 'no-sa') })).toThrow(
      KubeConfigError,
    );
    expect(() => createKubeConfig({ env, serviceAccountDir: path.join(dir, 'no-sa') })).toThrow(
      /^no Kubernetes configuration found: pass a kubeconfig path, set KUBECONFIG, run in a pod/,
    );
  });

  test('a missing, malformed or unusable kubeconfig is a clear error', () => {
    expect(() => createKubeConfig({ env: { KUBECONFIG: path.join(dir, 'missing') } })).toThrow(
      `KUBECONFIG=${path.join(dir, 'missing')}: kubeconfig file ${path.join(dir, 'missing')} does not exist`,
    );
    const garbage = writeKubeconfig('garbage', 'clusters: [oops');
    expect(() => createKubeConfig({ kubeconfigPath: garbage, env: {} })).toThrow(KubeConfigError);
    const noContext = writeKubeconfig('no-context', kubeconfigYaml(api.url, { context: 'absent' }));
    expect(() => createKubeConfig({ kubeconfigPath: noContext, env: {} })).toThrow(
      /current context "absent" is not defined/,
    );
    const plainHttp = writeKubeconfig('plain-http', kubeconfigYaml(api.url, { skipTls: false }));
    expect(() => createKubeConfig({ kubeconfigPath: plainHttp, env: {} })).toThrow(
      /uses plain http .*; set insecure-skip-tls-verify: true to allow it/,
    );
  });
});

describe('one keep-alive agent per process', () => {
  test('many requests from several API clients reuse a few sockets', async () => {
    const kc = createKubeConfig({
      kubeconfigPath: writeKubeconfig('reuse', kubeconfigYaml(api.url)),
      env: {},
    });
    const clients = makeApiClients(kc);
    const before = api.connections();
    for (let i = 0; i < 50; i++) await clients.core.listNamespace();
    // Sequential requests: one socket, kept alive.
    expect(api.connections() - before).toBe(1);
    // 20 concurrent requests need at most 20 sockets; then they are all reused.
    await Promise.all(Array.from({ length: 20 }, () => clients.core.listNamespace()));
    const afterBurst = api.connections() - before;
    expect(afterBurst).toBeLessThanOrEqual(20);
    await Promise.all(Array.from({ length: 20 }, () => clients.core.listNamespace()));
    expect(api.connections() - before).toBe(afterBurst);
    // A different API client shares the same agent (no new socket for sequential use).
    await clients.rbac.listNamespacedRole({ namespace: 'demo' }).catch(() => undefined);
    expect(api.connections() - before).toBe(afterBurst);
    expect(api.authorizations.at(-1)).toBe('Bearer test-token');
    kc.destroyAgent();
  });

  test('the lean client (kube-rest.ts) keeps a keep-alive connection of its own beside the agent, with the kubeconfig token', async () => {
    const kc = createKubeConfig({
      kubeconfigPath: writeKubeconfig('lean', kubeconfigYaml(api.url)),
      env: {},
    });
    const generated = makeApiClients(kc);
    const lean = makeKubeClients(kc);
    // Another facade of the same KubeConfig (the leader election's) shares the lean connections.
    const other = makeKubeClients(kc);
    const before = api.connections();
    for (let i = 0; i < 20; i++) {
      await lean.core.readNamespace({ name: 'missing' }).catch(() => undefined);
      await other.core.readNamespace({ name: 'missing' }).catch(() => undefined);
      await generated.core.listNamespace();
    }
    // One for the lean client's requests, one for the agent's (http1-pool.ts says why they are apart).
    expect(api.connections() - before).toBe(2);
    expect(api.authorizations.at(-2)).toBe('Bearer test-token');
    kc.destroyAgent();
  });

  test('the lean client over TLS: the cluster CA verifies the server (by IP or by name), skip-tls-verify skips it, another CA fails', async () => {
    // A self-signed certificate for 127.0.0.1 and localhost, and another CA (fixtures/tls, valid for a century).
    const fixtures = path.join(import.meta.dirname, 'fixtures', 'tls');
    const cert = readFileSync(path.join(fixtures, 'tls-cert.pem'));
    const server = https.createServer(
      { cert, key: readFileSync(path.join(fixtures, 'tls-key.pem')) },
      (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Namespace', metadata: { name: req.url?.split('/').pop() } }));
      },
    );
    let connections = 0;
    server.on('secureConnection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const withCa = (host: string, ca: string | undefined) =>
      kubeconfigYaml(`https://${host}:${port}`, { skipTls: ca === undefined ? undefined : false }).replace(
        '    server:',
        `${ca === undefined ? '' : `    certificate-authority-data: ${ca}\n`}    server:`,
      );
    const read = async (yaml: string) => {
      const kc = createKubeConfig({ kubeconfigPath: writeKubeconfig('tls', yaml), env: {} });
      try {
        const lean = makeKubeClients(kc);
        const first = await lean.core.readNamespace({ name: 'a' });
        await lean.core.readNamespace({ name: 'b' });
        return first.metadata?.name;
      } finally {
        kc.destroyAgent();
      }
    };
    try {
      const ca = cert.toString('base64');
      expect(await read(withCa('127.0.0.1', ca))).toBe('a');
      expect(await read(withCa('localhost', ca))).toBe('a');
      expect(await read(withCa('127.0.0.1', undefined))).toBe('a');
      // Each kubeconfig's two requests shared one connection.
      expect(connections).toBe(3);
      const otherCa = readFileSync(path.join(fixtures, 'other-ca.pem')).toString('base64');
      await expect(read(withCa('127.0.0.1', otherCa))).rejects.toMatchObject({
        code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('without it, client-node 1.4.0 opens a socket per request (the problem this solves)', async () => {
    const plain = new KubeConfig();
    plain.loadFromFile(writeKubeconfig('plain', kubeconfigYaml(api.url)));
    const core = makeApiClients(plain).core;
    const before = api.connections();
    for (let i = 0; i < 10; i++) await core.listNamespace();
    expect(api.connections() - before).toBe(10);
  });

  test('watches get the same agent as API calls', async () => {
    const kc = createKubeConfig({
      kubeconfigPath: writeKubeconfig('watch', kubeconfigYaml(api.url)),
      env: {},
    });
    const agent = await kc.sharedAgent();
    expect((await kc.applyToFetchOptions({})).agent).toBe(agent);
    const events: string[] = [];
    await new Promise<void>((resolve, reject) => {
      void new Watch(kc)
        .watch(
          '/api/v1/namespaces',
          {},
          (type, obj: { metadata: { name: string } }) => {
            events.push(`${type} ${obj.metadata.name}`);
          },
          (err) => (err ? reject(err as Error) : resolve()),
        )
        .catch(reject);
    });
    expect(events).toEqual(['ADDED demo']);
    kc.destroyAgent();
  });
});

describe('API errors from the real client', () => {
  test('404 and 409 AlreadyExists are recognised', async () => {
    const kc = createKubeConfig({
      kubeconfigPath: writeKubeconfig('errors', kubeconfigYaml(api.url)),
      env: {},
    });
    const { core } = makeApiClients(kc);
    const notFound = await core.readNamespace({ name: 'missing' }).catch((err: unknown) => err);
    expect(apiErrorCode(notFound)).toBe(404);
    expect(isNotFound(notFound)).toBe(true);
    const exists = await core
      .createNamespace({ body: { metadata: { name: 'demo' } } })
      .catch((err: unknown) => err);
    expect(isAlreadyExists(exists)).toBe(true);
    kc.destroyAgent();
  });
});
