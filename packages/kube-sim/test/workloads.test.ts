import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeSim } from '@ambient-operator/kube-sim';
import { startKubeSim } from '@ambient-operator/kube-sim';
import { Kubectl, apiBody, apiCode, createNamespace, kubeConfigFor, waitFor } from './helpers.js';

/** The repository's kustomize base (deploy/base), applied as a user would. */
const DEPLOY_BASE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'deploy', 'base');
const NS = 'workloads';

let sim: KubeSim;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let policy: k8s.PolicyV1Api;
let events: k8s.EventsV1Api;
let kubectl: Kubectl;

beforeAll(async () => {
  // deploy/base runs in the platform's namespace ambient-code, which it does not define (it must exist).
  sim = await startKubeSim({ namespaces: ['ambient-code'] });
  kc = kubeConfigFor(sim);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  policy = kc.makeApiClient(k8s.PolicyV1Api);
  events = kc.makeApiClient(k8s.EventsV1Api);
  kubectl = await Kubectl.create(sim);
  await createNamespace(core, NS);
});

afterAll(async () => {
  await sim?.stop();
  await kubectl?.dispose();
});

function deployment(name: string, labels: Record<string, string> = { app: name }): k8s.V1Deployment {
  return {
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
    },
  };
}

describe('apps/v1 Deployments', () => {
  it('are created with API defaults and get a status from their ReplicaSet', async () => {
    const created = await apps.createNamespacedDeployment({ namespace: NS, body: deployment('web') });
    expect(created.spec).toMatchObject({
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
    });
    expect(created.spec!.template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' });
    const status = await waitFor(async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: NS });
      return d.status?.observedGeneration === 1 && d.status.availableReplicas === 1 ? d.status : undefined;
    }, 'an available replica');
    expect(status).toMatchObject({ replicas: 1, updatedReplicas: 1, readyReplicas: 1 });
    expect(status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }),
    );
  });

  it('reject a selector that does not match the template labels', async () => {
    const err = await apps
      .createNamespacedDeployment({ namespace: NS, body: deployment('mismatch', { app: 'other' }) })
      .catch((e: unknown) => e);
    expect(apiCode(err)).toBe(422);
    expect(apiBody(err).message).toContain('`selector` does not match template `labels`');
  });

  it('serve the scale subresource; a new spec bumps generation and observedGeneration follows', async () => {
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment('scaled') });
    const scale = await apps.readNamespacedDeploymentScale({ name: 'scaled', namespace: NS });
    expect(scale).toMatchObject({ kind: 'Scale', spec: { replicas: 1 }, status: { selector: 'app=scaled' } });
    const replaced = await apps.replaceNamespacedDeploymentScale({
      name: 'scaled',
      namespace: NS,
      body: { metadata: { name: 'scaled', namespace: NS }, spec: { replicas: 3 } },
    });
    expect(replaced.spec!.replicas).toBe(3);
    await apps.patchNamespacedDeploymentScale(
      { name: 'scaled', namespace: NS, body: { spec: { replicas: 0 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const d = await waitFor(async () => {
      const current = await apps.readNamespacedDeployment({ name: 'scaled', namespace: NS });
      return current.status?.observedGeneration === 3 ? current : undefined;
    }, 'observedGeneration 3');
    expect(d.spec!.replicas).toBe(0);
    expect(d.status!.conditions![0]).toMatchObject({ type: 'Available', status: 'True' });
  });

  it('are listed and watched', async () => {
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const request = await watch.watch(
      `/apis/apps/v1/namespaces/${NS}/deployments`,
      {},
      (type: string, object: k8s.V1Deployment) => seen.push(`${type} ${object.metadata!.name!}`),
      () => undefined,
    );
    try {
      await apps.createNamespacedDeployment({ namespace: NS, body: deployment('watched') });
      await apps.deleteNamespacedDeployment({ name: 'watched', namespace: NS });
      await waitFor(() => seen.includes('DELETED watched'), 'DELETED event');
      expect(seen).toContain('ADDED watched');
    } finally {
      request.abort();
    }
    const list = await apps.listNamespacedDeployment({ namespace: NS });
    expect(list.items.map((i) => i.metadata!.name)).toEqual(['scaled', 'web']);
  });
});

describe('policy/v1 PodDisruptionBudgets', () => {
  it('report healthy pods their selector matches', async () => {
    await policy.createNamespacedPodDisruptionBudget({
      namespace: NS,
      body: {
        metadata: { name: 'pdb' },
        spec: { minAvailable: 1, selector: { matchLabels: { tier: 'db' } } },
      },
    });
    for (const name of ['db-0', 'db-1'])
      await core.createNamespacedPod({
        namespace: NS,
        body: {
          metadata: { name, labels: { tier: 'db' } },
          spec: { containers: [{ name: 'c', image: 'db:1' }] },
        },
      });
    const status = await waitFor(async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'pdb', namespace: NS });
      return pdb.status?.currentHealthy === 2 ? pdb.status : undefined;
    }, 'two healthy pods');
    expect(status).toMatchObject({ expectedPods: 2, desiredHealthy: 1, disruptionsAllowed: 1 });
    expect(status.conditions![0]).toMatchObject({ type: 'DisruptionAllowed', status: 'True' });
  });

  it('replace the selector on a strategic merge patch (patchStrategy=replace), as upstream', async () => {
    await policy.createNamespacedPodDisruptionBudget({
      namespace: NS,
      body: {
        metadata: { name: 'pdb-patch' },
        spec: { maxUnavailable: 1, selector: { matchLabels: { a: '1', b: '2' } } },
      },
    });
    const patched = await policy.patchNamespacedPodDisruptionBudget(
      { name: 'pdb-patch', namespace: NS, body: { spec: { selector: { matchLabels: { c: '3' } } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    expect(patched.spec!.selector).toEqual({ matchLabels: { c: '3' } });
  });

  it('reject minAvailable together with maxUnavailable', async () => {
    const err = await policy
      .createNamespacedPodDisruptionBudget({
        namespace: NS,
        body: { metadata: { name: 'both' }, spec: { minAvailable: 1, maxUnavailable: 1 } },
      })
      .catch((e: unknown) => e);
    expect(apiCode(err)).toBe(422);
  });
});

describe('events.k8s.io/v1 Events (a store of their own, apart from core/v1 Events)', () => {
  it('are created, read and listed; required fields are checked', async () => {
    const body: k8s.EventsV1Event = {
      metadata: { name: 'ev-1' },
      eventTime: new Date(),
      reportingController: 'ambient.io/worker',
      reportingInstance: 'worker-0',
      action: 'CreateRunner',
      reason: 'RunnerCreated',
      type: 'Normal',
      note: 'created the runner Job',
      regarding: { kind: 'AgenticSession', name: 's1', namespace: NS },
    };
    await events.createNamespacedEvent({ namespace: NS, body });
    const read = await events.readNamespacedEvent({ name: 'ev-1', namespace: NS });
    expect(read).toMatchObject({ reason: 'RunnerCreated', note: 'created the runner Job' });
    const list = await events.listNamespacedEvent({ namespace: NS });
    expect(list.items.map((e) => e.metadata!.name)).toEqual(['ev-1']);
    const table = await kubectl.ok(['get', 'events.events.k8s.io', '-n', NS, '--no-headers']);
    expect(table).toMatch(/^\S+\s+Normal\s+RunnerCreated\s+agenticsession\/s1\s+created the runner Job$/m);
    const err = await events
      .createNamespacedEvent({ namespace: NS, body: { metadata: { name: 'ev-2' }, eventTime: new Date() } })
      .catch((e: unknown) => e);
    expect(apiCode(err)).toBe(422);
    expect(apiBody(err).message).toContain('reportingController: Required value');
  });
});

describe('kubectl apply -k deploy/base', () => {
  it('creates every object of the base; a second apply changes nothing but PDBs, which kubectl always patches', async () => {
    const first = await kubectl.run(['apply', '-k', DEPLOY_BASE]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const created = first.stdout.trim().split('\n');
    expect(created.filter((line) => !line.endsWith(' created'))).toEqual([]);
    expect(created).toEqual(
      expect.arrayContaining([
        'deployment.apps/ambient-worker created',
        'deployment.apps/ambient-watcher created',
        'poddisruptionbudget.policy/ambient-worker created',
      ]),
    );
    const second = await kubectl.run(['apply', '-k', DEPLOY_BASE]);
    expect(second.code).toBe(0);
    // The PDB selector has patchStrategy=replace, so kubectl's computed patch is never empty:
    // a real API server reports "configured" too.
    expect(
      second.stdout
        .trim()
        .split('\n')
        .filter((line) => !line.endsWith(' unchanged'))
        .filter((line) => !/^poddisruptionbudget\.policy\/\S+ configured$/.test(line)),
    ).toEqual([]);
    const tables = await kubectl.ok(['get', 'deploy,pdb', '-n', 'ambient-code']);
    expect(tables).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
    expect(tables).toMatch(/^deployment\.apps\/ambient-worker\s+\d+\/\d+\s+\d+\s+\d+\s+\S+$/m);
    expect(tables).toMatch(/^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/m);
    // The workers run (two pods, one may go): the PDB allows a disruption.
    expect(tables).toMatch(/^poddisruptionbudget\.policy\/ambient-worker\s+N\/A\s+1\s+\d+\s+\S+$/m);
    expect(
      await kubectl.ok(['scale', '-n', 'ambient-code', 'deploy/ambient-redis', '--replicas=0']),
    ).toContain('deployment.apps/ambient-redis scaled');
    const resources = await kubectl.ok(['api-resources', '--api-group=apps', '--no-headers']);
    expect(resources).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  });
});
