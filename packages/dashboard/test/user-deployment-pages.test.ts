import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dashboard } from '@ambient-operator/dashboard';
import { get, iso, startWorld, type World } from './harness.js';

const API = { group: 'scheduler.ambient-code.io', version: 'v1alpha1', plural: 'userdeployments' };
let world: World;
let dashboard: Dashboard;

beforeAll(async () => {
  world = await startWorld(['demo']);
  await world.custom.createNamespacedCustomObject({
    ...API,
    namespace: 'demo',
    body: {
      apiVersion: 'scheduler.ambient-code.io/v1alpha1',
      kind: 'UserDeployment',
      metadata: { name: 'shop' },
      spec: { template: { configMapRef: { name: 'shop-template' } } },
    },
  });
  await world.custom.patchNamespacedCustomObjectStatus(
    {
      ...API,
      namespace: 'demo',
      name: 'shop',
      body: {
        status: {
          phase: 'Degraded',
          namespace: 'ud-shop',
          phaseTransitionTime: iso(5000),
          urls: [{ service: 'web', exposure: 'public', url: 'http://web.shop.apps.local' }],
          services: [
            { name: 'web', image: 'shop/web:2', replicas: 2, readyReplicas: 1, updatedReplicas: 2 },
            { name: 'api', image: 'shop/api:1', replicas: 1, readyReplicas: 1, updatedReplicas: 1 },
          ],
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'ReplicasUnavailable',
              message: 'unavailable: web 1/2 <ready>',
              lastTransitionTime: iso(5000),
            },
          ],
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  dashboard = await world.startDashboard();
}, 60_000);
afterAll(async () => {
  await dashboard?.close();
  await world?.stop();
});

describe('UserDeployment pages', () => {
  it('/user-deployments lists each with phase, target namespace, ready services and URLs', async () => {
    const res = await get(`${dashboard.url}/user-deployments`);
    expect(res.status).toBe(200);
    expect(res.compact).toContain('<a href="/user-deployments/demo/shop">shop</a>');
    expect(res.compact).toContain('Degraded');
    expect(res.compact).toContain('<code>ud-shop</code>');
    expect(res.compact).toContain('1/2');
    expect(res.compact).toContain('<a href="http://web.shop.apps.local">http://web.shop.apps.local</a>');
  });

  it('a page shows its services with replicas and URL, and its conditions (escaped)', async () => {
    const res = await get(`${dashboard.url}/user-deployments/demo/shop`);
    expect(res.status).toBe(200);
    expect(res.compact).toContain('<code>shop/web:2</code>');
    expect(res.compact).toContain('ReplicasUnavailable');
    expect(res.compact).toContain('web 1/2 &lt;ready&gt;');
    expect(res.text).not.toContain('<ready>');
    expect((await get(`${dashboard.url}/user-deployments/demo/nope`)).status).toBe(404);
  });

  it('/machine draws the UserDeployment machine', async () => {
    const res = await get(`${dashboard.url}/machine`);
    expect(res.compact).toContain('<h2 id="user-deployment">UserDeployment</h2>');
    expect(res.text).toContain('>Provisioning</text>');
    expect(res.text).toContain('>Degraded</text>');
  });
});
