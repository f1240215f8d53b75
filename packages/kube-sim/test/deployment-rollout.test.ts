import { readFile } from 'node:fs/promises';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KubeSim } from '@ambient-operator/kube-sim';
import { EXTERNAL_SECRETS_CRD_FILE, POD_TEMPLATE_HASH_LABEL, startKubeSim } from '@ambient-operator/kube-sim';
import { Kubectl, createNamespace, kubeConfigFor, waitFor } from './helpers.js';

const NS = 'rollout';

let sim: KubeSim;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let kubectl: Kubectl;

beforeAll(async () => {
  sim = await startKubeSim({});
  const kc = kubeConfigFor(sim);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  kubectl = await Kubectl.create(sim);
  await createNamespace(core, NS);
});

afterAll(async () => {
  await sim?.stop();
  await kubectl?.dispose();
});

function manifest(name: string, replicas: number, image: string, env: Record<string, string> = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'app', image, env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })) },
          ],
        },
      },
    },
  });
}

const podsOf = async (app: string) =>
  (await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${app}` })).items.filter(
    (p) => !p.metadata?.deletionTimestamp,
  );
const replicaSetsOf = async (app: string) =>
  (await apps.listNamespacedReplicaSet({ namespace: NS, labelSelector: `app=${app}` })).items;

describe('Deployment → ReplicaSet → Pods', () => {
  it('runs the replicas; `kubectl rollout status` sees the rollout finish', async () => {
    await kubectl.ok(['apply', '-f', '-'], manifest('web', 2, 'nginx:1'));
    const status = await kubectl.ok(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=30s']);
    expect(status).toContain('deployment "web" successfully rolled out');
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace: NS });
    expect(d.status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    expect(d.status?.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Available', status: 'True' }),
        expect.objectContaining({ type: 'Progressing', reason: 'NewReplicaSetAvailable' }),
      ]),
    );
    const [rs] = await replicaSetsOf('web');
    expect(rs?.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Deployment',
      name: 'web',
      controller: true,
    });
    const pods = await podsOf('web');
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.status?.phase).toBe('Running');
      expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({
        kind: 'ReplicaSet',
        name: rs?.metadata?.name,
      });
    }
    expect(await kubectl.ok(['get', 'deploy/web', '-n', NS])).toMatch(/^web\s+2\/2\s+2\s+2\s+\S+$/m);
    expect(await kubectl.ok(['get', 'rs', '-n', NS])).toMatch(/^web-[0-9a-f]{10}\s+2\s+2\s+2\s+\S+$/m);
  });

  it('an image change makes a new ReplicaSet and scales the old one to 0', async () => {
    const [before] = await replicaSetsOf('web');
    await kubectl.ok(['set', 'image', 'deployment/web', 'app=nginx:2', '-n', NS]);
    await kubectl.ok(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=30s']);
    const sets = await waitFor(async () => {
      const all = await replicaSetsOf('web');
      return all.find((rs) => rs.metadata?.name === before?.metadata?.name)?.spec?.replicas === 0
        ? all
        : undefined;
    }, 'the old ReplicaSet scaled to 0');
    const current = sets.find((rs) => rs.metadata?.name !== before?.metadata?.name);
    expect(current?.spec?.replicas).toBe(2);
    expect(current?.metadata?.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    const pods = await waitFor(async () => {
      const live = await podsOf('web');
      return live.length === 2 && live.every((p) => p.spec?.containers[0]?.image === 'nginx:2')
        ? live
        : undefined;
    }, 'only new pods');
    for (const pod of pods)
      expect(pod.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL]).toBe(
        current?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL],
      );
  });

  it('scaling changes the pod count without a new ReplicaSet', async () => {
    await kubectl.ok(['scale', 'deployment/web', '--replicas=3', '-n', NS]);
    await kubectl.ok(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=30s']);
    expect(await podsOf('web')).toHaveLength(3);
    await kubectl.ok(['scale', 'deployment/web', '--replicas=1', '-n', NS]);
    await waitFor(async () => (await podsOf('web')).length === 1, 'one pod');
    expect((await replicaSetsOf('web')).filter((rs) => (rs.spec?.replicas ?? 0) > 0)).toHaveLength(1);
  });

  it("pods follow the kubelet's SIM_* scripting: a failing image pull keeps the Deployment unavailable", async () => {
    await kubectl.ok(['apply', '-f', '-'], manifest('broken', 1, 'nope:1', { SIM_IMAGE_PULL: 'fail' }));
    const d = await waitFor(async () => {
      const current = await apps.readNamespacedDeployment({ name: 'broken', namespace: NS });
      return current.status?.replicas === 1 ? current : undefined;
    }, 'a replica');
    expect(d.status?.readyReplicas ?? 0).toBe(0);
    expect(d.status?.conditions).toContainEqual(
      expect.objectContaining({ type: 'Available', status: 'False' }),
    );
    await waitFor(
      async () => (await podsOf('broken'))[0]?.status?.containerStatuses?.[0]?.state?.waiting,
      'a waiting container',
    );
    const rollout = await kubectl.run(['rollout', 'status', 'deployment/broken', '-n', NS, '--timeout=1s']);
    expect(rollout.code).not.toBe(0);
  });

  it('deleting a Deployment removes its ReplicaSets and pods (garbage collector)', async () => {
    await kubectl.ok(['delete', 'deployment/web', '-n', NS]);
    await waitFor(
      async () => (await replicaSetsOf('web')).length === 0 && (await podsOf('web')).length === 0,
      'gone',
    );
  });
});

describe('networking.k8s.io/v1 Ingress and the ExternalSecret CRD fixture', () => {
  it('serves Ingresses with their table columns', async () => {
    await kubectl.ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'web', namespace: NS },
        spec: {
          ingressClassName: 'traefik',
          rules: [
            {
              host: 'web.shop.apps.local',
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'web', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      }),
    );
    expect(await kubectl.ok(['get', 'ingress', '-n', NS])).toMatch(
      /^web\s+traefik\s+web\.shop\.apps\.local\s+80\s+\S+$/m,
    );
  });

  it('the ExternalSecret CRD fixture installs and serves external-secrets.io/v1beta1', async () => {
    const crd = parse(await readFile(EXTERNAL_SECRETS_CRD_FILE, 'utf8')) as object;
    await kubectl.ok(['apply', '-f', '-'], JSON.stringify(crd));
    await waitFor(
      async () => (await kubectl.run(['get', 'externalsecrets', '-n', NS])).code === 0,
      'externalsecrets served',
    );
    await kubectl.ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'external-secrets.io/v1beta1',
        kind: 'ExternalSecret',
        metadata: { name: 'db', namespace: NS },
        spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' }, target: { name: 'db' } },
      }),
    );
    expect(await kubectl.ok(['get', 'es', '-n', NS])).toMatch(/^db\s+vault\s+/m);
  });
});
