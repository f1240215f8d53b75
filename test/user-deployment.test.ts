// UserDeployments end to end: kube-sim, Redis, the watcher and a worker as separate processes (as `pnpm start`
// runs them), driven through client-node. Times from create to Running and from delete to gone are printed.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import { EXTERNAL_SECRETS_CRD_FILE } from '@ambient-operator/kube-sim';
import { SharedAgentKubeConfig } from '@ambient-operator/shared';
import { parse } from 'yaml';
import { startLocalStack } from '../scripts/local-stack.js';
import { eventually } from './processes.js';

const ns = 'demo';
const UD = { group: 'scheduler.ambient-code.io', version: 'v1alpha1', plural: 'userdeployments' };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface UserDeploymentObject {
  metadata: { name: string; finalizers?: string[]; deletionTimestamp?: string };
  status?: {
    phase?: string;
    namespace?: string;
    urls?: { service: string; exposure: string; url: string }[];
    services?: { name: string; image?: string; replicas?: number; readyReplicas?: number }[];
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

const TWO_SERVICES = `services:
  - name: web
    image: shop/web:1
    port: 8080
    replicas: 2
    env: { MODE: production }
    expose: public
  - name: api
    image: shop/api:1
    port: 9000
    expose: internal
`;

interface Clients {
  custom: CustomObjectsApi;
  core: CoreV1Api;
  apps: AppsV1Api;
  networking: NetworkingV1Api;
}

async function startStack(env: Record<string, string> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'user-deployment-'));
  const stack = await startLocalStack({
    localDir: dir,
    workers: 1,
    dashboard: false,
    output: process.env.UD_TEST_OUTPUT ? process.stderr : null,
    // MODE: vitest exports MODE=test, which the operator's config reads as its api-server mode.
    env: { MODE: 'kube', DEPLOYMENT_DOMAIN: 'apps.example.com', ...env },
  });
  const kc = new SharedAgentKubeConfig();
  kc.loadFromFile(stack.kubeconfigPath);
  const clients: Clients = {
    custom: kc.makeApiClient(CustomObjectsApi),
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    networking: kc.makeApiClient(NetworkingV1Api),
  };
  return {
    stack,
    clients,
    async stop() {
      await stack.stop();
      kc.destroyAgent();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function helpers(c: Clients) {
  const get = async (name: string) =>
    (await c.custom.getNamespacedCustomObject({ ...UD, namespace: ns, name })) as UserDeploymentObject;
  const getOrNull = (name: string) => get(name).catch(() => null);
  return {
    get,
    getOrNull,
    until: (name: string, predicate: (u: UserDeploymentObject) => boolean, what: string) =>
      eventually(() => get(name), predicate, `${name}: ${what}`, 60_000),
    /** A template ConfigMap as the README shows it: labelled, so its edits reconcile at once. */
    template: (name: string, text: string) => {
      const body = {
        metadata: { name, labels: { 'scheduler.ambient-code.io/template': 'true' } },
        data: { 'template.yaml': text },
      };
      return c.core
        .createNamespacedConfigMap({ namespace: ns, body })
        .catch(() => c.core.replaceNamespacedConfigMap({ namespace: ns, name, body }));
    },
    create: (name: string, spec: Record<string, unknown>) =>
      c.custom.createNamespacedCustomObject({
        ...UD,
        namespace: ns,
        body: {
          apiVersion: 'scheduler.ambient-code.io/v1alpha1',
          kind: 'UserDeployment',
          metadata: { name },
          spec,
        },
      }),
    patchSpec: (name: string, spec: Record<string, unknown>) =>
      c.custom.patchNamespacedCustomObject({ ...UD, namespace: ns, name, body: { spec } }, mergePatch),
    deployment: (namespace: string, name: string) =>
      c.apps.readNamespacedDeployment({ namespace, name }).catch(() => null as V1Deployment | null),
    namespaceGone: (name: string) =>
      c.core.readNamespace({ name }).then(
        () => false,
        () => true,
      ),
  };
}

const running = (u: UserDeploymentObject) => u.status?.phase === 'Running';
const condition = (u: UserDeploymentObject, type: string) =>
  u.status?.conditions?.find((c) => c.type === type);

describe('UserDeployments against the system as separate processes', () => {
  let system: Awaited<ReturnType<typeof startStack>>;
  let c: Clients;
  let h: ReturnType<typeof helpers>;

  beforeAll(async () => {
    system = await startStack();
    c = system.clients;
    h = helpers(c);
  });
  afterAll(async () => {
    await system?.stop();
  });

  test('two services become Running with their URLs, children labelled and isolated', async () => {
    await h.template('shop-template', TWO_SERVICES);
    const started = Date.now();
    await h.create('shop', {
      template: { configMapRef: { name: 'shop-template' } },
      config: { LOG_LEVEL: 'info' },
    });
    const shop = await h.until('shop', running, 'Running');
    console.log(`UserDeployment create → Running: ${Date.now() - started} ms (two services, 3 pods)`);

    expect(shop.metadata.finalizers).toContain('scheduler.ambient-code.io/user-deployment');
    expect(shop.status?.namespace).toBe('ud-shop');
    expect(shop.status?.urls).toEqual([
      { service: 'web', exposure: 'public', url: 'http://web.shop.apps.example.com' },
      { service: 'api', exposure: 'internal', url: 'http://api.shop.apps.example.com' },
    ]);
    expect(shop.status?.services).toEqual([
      expect.objectContaining({ name: 'web', image: 'shop/web:1', replicas: 2, readyReplicas: 2 }),
      expect.objectContaining({ name: 'api', image: 'shop/api:1', replicas: 1, readyReplicas: 1 }),
    ]);
    expect(condition(shop, 'Ready')).toMatchObject({ status: 'True', reason: 'AllServicesReady' });
    // No ExternalSecret CRD in this cluster and no secrets requested: said, not fatal.
    expect(condition(shop, 'SecretsProvisioned')).toMatchObject({
      status: 'False',
      message: expect.stringContaining('secrets not provisioned') as string,
    });

    const web = await h.deployment('ud-shop', 'web');
    expect(web?.metadata?.labels).toMatchObject({
      'scheduler.ambient-code.io/user-deployment': 'shop',
      'scheduler.ambient-code.io/user-deployment-namespace': ns,
    });
    const container = web?.spec?.template.spec?.containers[0];
    expect(container?.env).toEqual([{ name: 'MODE', value: 'production' }]);
    expect(container?.envFrom).toEqual([{ configMapRef: { name: 'user-config' } }]);
    const ingresses = (await c.networking.listNamespacedIngress({ namespace: 'ud-shop' })).items;
    expect(
      ingresses.map((i) => [i.metadata?.name, i.spec?.ingressClassName, i.spec?.rules?.[0]?.host]),
    ).toEqual([
      ['api', 'traefik', 'api.shop.apps.example.com'],
      ['web', 'traefik', 'web.shop.apps.example.com'],
    ]);
    const services = (await c.core.listNamespacedService({ namespace: 'ud-shop' })).items;
    expect(services.map((s) => [s.metadata?.name, s.spec?.ports?.[0]?.port])).toEqual([
      ['api', 9000],
      ['web', 8080],
    ]);
    const policies = (await c.networking.listNamespacedNetworkPolicy({ namespace: 'ud-shop' })).items;
    expect(policies.map((p) => p.metadata?.name).sort()).toEqual(['ud-allow-ingress', 'ud-isolation']);
    const config = await c.core.readNamespacedConfigMap({ namespace: 'ud-shop', name: 'user-config' });
    expect(config.data).toEqual({ LOG_LEVEL: 'info' });
  });

  test('scaling rolls no new ReplicaSet; an image change rolls the Deployment', async () => {
    const replicaSets = async () =>
      (
        await c.apps.listNamespacedReplicaSet({
          namespace: 'ud-shop',
          labelSelector: 'scheduler.ambient-code.io/service=web',
        })
      ).items;
    const before = (await replicaSets()).map((rs) => rs.metadata?.name);
    await h.patchSpec('shop', { services: [{ name: 'web', replicas: 3 }] });
    await h.until(
      'shop',
      (u) => running(u) && u.status?.services?.find((s) => s.name === 'web')?.readyReplicas === 3,
      'web with 3 ready replicas',
    );
    expect((await replicaSets()).map((rs) => rs.metadata?.name)).toEqual(before);

    await h.patchSpec('shop', { services: [{ name: 'web', replicas: 3, imageTag: '2' }] });
    await h.until(
      'shop',
      (u) => running(u) && u.status?.services?.find((s) => s.name === 'web')?.image === 'shop/web:2',
      'web rolled to shop/web:2',
    );
    const web = await h.deployment('ud-shop', 'web');
    expect(web?.spec?.template.spec?.containers[0]?.image).toBe('shop/web:2');
    expect(web?.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3 });
    const sets = await replicaSets();
    expect(sets).toHaveLength(2);
    expect(sets.find((rs) => rs.metadata?.name === before[0])?.spec?.replicas).toBe(0);
  });

  test('a service removed from the template is pruned with its Service and Ingress', async () => {
    await h.template('shop-template', TWO_SERVICES.split('  - name: api')[0]!);
    await h.until('shop', (u) => running(u) && u.status?.urls?.length === 1, 'only web left');
    await eventually(
      () => h.deployment('ud-shop', 'api'),
      (d) => d === null,
      'api Deployment deleted',
    );
    const services = (await c.core.listNamespacedService({ namespace: 'ud-shop' })).items;
    expect(services.map((s) => s.metadata?.name)).toEqual(['web']);
    const ingresses = (await c.networking.listNamespacedIngress({ namespace: 'ud-shop' })).items;
    expect(ingresses.map((i) => i.metadata?.name)).toEqual(['web']);
  });

  test('desiredState: deleted empties the namespace and releases the finalizer; the CR stays', async () => {
    await h.patchSpec('shop', { desiredState: 'deleted' });
    const deleted = await h.until('shop', (u) => u.status?.phase === 'Deleted', 'Deleted');
    expect(deleted.metadata.finalizers ?? []).not.toContain('scheduler.ambient-code.io/user-deployment');
    expect(deleted.status?.urls).toBeUndefined();
    expect(await h.namespaceGone('ud-shop')).toBe(true);
  });

  test('deleting the CR tears everything down behind the finalizer, then the CR goes', async () => {
    await h.template('blog-template', 'services: [{ name: site, image: blog:1, port: 80, expose: public }]');
    await h.create('blog', { template: { configMapRef: { name: 'blog-template' } } });
    await h.until('blog', running, 'Running');
    const started = Date.now();
    await c.custom.deleteNamespacedCustomObject({ ...UD, namespace: ns, name: 'blog' });
    await eventually(
      () => h.getOrNull('blog'),
      (u) => u === null,
      'the CR gone',
      60_000,
    );
    console.log(`UserDeployment delete → gone (namespace and CR): ${Date.now() - started} ms`);
    expect(await h.namespaceGone('ud-blog')).toBe(true);
  });

  test('a missing or invalid template fails with a condition naming the problem', async () => {
    await h.create('broken', { template: { configMapRef: { name: 'no-such-template' } } });
    const missing = await h.until('broken', (u) => u.status?.phase === 'Failed', 'Failed');
    expect(condition(missing, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'TemplateMissing',
      message: 'ConfigMap demo/no-such-template not found',
    });
    await h.template('no-such-template', 'services: [{ name: Web, image: x, port: 0 }]');
    const invalid = await h.until(
      'broken',
      (u) => condition(u, 'TemplateValid')?.reason === 'TemplateInvalid',
      'TemplateInvalid',
    );
    expect(invalid.status?.phase).toBe('Failed');
    expect(condition(invalid, 'TemplateValid')?.message).toMatch(
      /services\[0\]\.name: .*services\[0\]\.port/,
    );
  });

  test('secrets requested without the ExternalSecret CRD: Failed with the reason', async () => {
    await h.template('vault-template', 'services: [{ name: app, image: app:1, port: 80 }]');
    await h.create('vaulted', {
      template: { configMapRef: { name: 'vault-template' } },
      secrets: [{ name: 'db', remoteKey: 'prod/db' }],
    });
    const failed = await h.until('vaulted', (u) => u.status?.phase === 'Failed', 'Failed');
    expect(condition(failed, 'Ready')).toMatchObject({
      reason: 'ExternalSecretsUnavailable',
      message: expect.stringContaining('secrets not provisioned') as string,
    });
  });
});

describe('UserDeployments with DISABLE_NETWORK_POLICIES, CLUSTER_SECRET_STORE and the ExternalSecret CRD', () => {
  let system: Awaited<ReturnType<typeof startStack>>;

  beforeAll(async () => {
    system = await startStack({ DISABLE_NETWORK_POLICIES: 'true', CLUSTER_SECRET_STORE: 'vault' });
  });
  afterAll(async () => {
    await system?.stop();
  });

  test('the application runs without NetworkPolicies', async () => {
    const h = helpers(system.clients);
    await h.template('plain', 'services: [{ name: app, image: app:1, port: 80, expose: public }]');
    await h.create('plain', { template: { configMapRef: { name: 'plain' } } });
    await h.until('plain', running, 'Running');
    const policies = await system.clients.networking.listNamespacedNetworkPolicy({ namespace: 'ud-plain' });
    expect(policies.items).toEqual([]);
    expect(
      (await system.clients.networking.listNamespacedIngress({ namespace: 'ud-plain' })).items,
    ).toHaveLength(1);
  });

  test('with the ExternalSecret CRD installed, each secret is an ExternalSecret from CLUSTER_SECRET_STORE', async () => {
    const crd = parse(await readFile(EXTERNAL_SECRETS_CRD_FILE, 'utf8')) as object;
    await system.clients.custom.createClusterCustomObject({
      group: 'apiextensions.k8s.io',
      version: 'v1',
      plural: 'customresourcedefinitions',
      body: crd,
    });
    const h = helpers(system.clients);
    await h.template('vaulted', 'services: [{ name: app, image: app:1, port: 80 }]');
    await h.create('vaulted', {
      template: { configMapRef: { name: 'vaulted' } },
      secrets: [{ name: 'db', remoteKey: 'prod/db' }],
    });
    const running = await h.until('vaulted', (u) => u.status?.phase === 'Running', 'Running');
    expect(condition(running, 'SecretsProvisioned')).toMatchObject({ status: 'True' });
    const es = (await system.clients.custom.getNamespacedCustomObject({
      group: 'external-secrets.io',
      version: 'v1beta1',
      plural: 'externalsecrets',
      namespace: 'ud-vaulted',
      name: 'db',
    })) as { spec: unknown };
    expect(es.spec).toMatchObject({
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      dataFrom: [{ extract: { key: 'prod/db' } }],
    });
    const app = await h.deployment('ud-vaulted', 'app');
    expect(app?.spec?.template.spec?.containers[0]?.envFrom).toEqual([
      { secretRef: { name: 'db', optional: true } },
    ]);
  });
});
