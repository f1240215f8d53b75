import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  danglingServices,
  isClusterScoped,
  kustomizeCompose,
  podTemplatesOf,
  type KubeObject,
} from '@ambient-operator/deploy-tests';
import { BUILD_NAMES, build, find, findGenerated, kindsAndNames, paths } from './support/builds.js';

const replicasOf = (deployment: KubeObject): number | undefined =>
  z.looseObject({ spec: z.looseObject({ replicas: z.number().optional() }) }).parse(deployment).spec.replicas;

const containerOf = (objects: readonly KubeObject[], deployment: string) => {
  const template = podTemplatesOf(objects).find((t) => t.owner.metadata.name === deployment);
  if (template === undefined) throw new Error(`no pod template for ${deployment}`);
  return template.spec.containers[0]!;
};

const dataOf = (configMap: KubeObject): Record<string, string> =>
  z.looseObject({ data: z.record(z.string(), z.string()) }).parse(configMap).data;

describe('kubectl kustomize builds every kustomization users apply', () => {
  it('base: CRDs, RBAC, watcher, worker and Redis (no Namespace: ambient-code is the platform’s)', async () => {
    expect(kindsAndNames(await build('base'))).toEqual(
      [
        'ClusterRole/ambient-watcher',
        'ClusterRole/ambient-worker',
        'ClusterRoleBinding/ambient-watcher',
        'ClusterRoleBinding/ambient-worker',
        `ConfigMap/${findGenerated(await build('base'), 'ConfigMap', 'ambient-operator-settings').metadata.name}`,
        'CustomResourceDefinition/agenticsessions.vteam.ambient-code',
        'CustomResourceDefinition/agenttasks.scheduler.ambient-code.io',
        'CustomResourceDefinition/projectsettings.vteam.ambient-code',
        'CustomResourceDefinition/userdeployments.scheduler.ambient-code.io',
        'CustomResourceDefinition/workflows.scheduler.ambient-code.io',
        'Deployment/ambient-redis',
        'Deployment/ambient-watcher',
        'Deployment/ambient-worker',
        'NetworkPolicy/ambient-redis',
        'PodDisruptionBudget/ambient-watcher',
        'PodDisruptionBudget/ambient-worker',
        'Role/ambient-watcher-leader-election',
        'RoleBinding/ambient-watcher-leader-election',
        'Service/ambient-redis',
        'Service/ambient-watcher-metrics',
        'Service/ambient-worker-metrics',
        'ServiceAccount/ambient-watcher',
        'ServiceAccount/ambient-worker',
      ].sort(),
    );
  });

  it.each(BUILD_NAMES)(
    '%s: every namespaced object is in ambient-code, every cluster object in none',
    async (name) => {
      const misplaced = (await build(name)).filter((o) =>
        isClusterScoped(o) ? o.metadata.namespace !== undefined : o.metadata.namespace !== 'ambient-code',
      );
      expect(misplaced.map((o) => `${o.kind}/${o.metadata.name} in ${o.metadata.namespace}`)).toEqual([]);
    },
  );

  it.each(BUILD_NAMES)('%s: no two objects share a kind and name', async (name) => {
    const keys = kindsAndNames(await build(name));
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });

  it.each(BUILD_NAMES)('%s: every Service selects pods that declare its target port', async (name) => {
    expect(danglingServices(await build(name))).toEqual([]);
  });

  it.each(BUILD_NAMES)(
    '%s: every Deployment/StatefulSet selector matches its pod labels, every PDB one workload',
    async (name) => {
      const objects = await build(name);
      const selectorSchema = z.looseObject({
        spec: z.looseObject({ selector: z.looseObject({ matchLabels: z.record(z.string(), z.string()) }) }),
      });
      const labelsSchema = z.looseObject({
        spec: z.looseObject({
          template: z.looseObject({ metadata: z.looseObject({ labels: z.record(z.string(), z.string()) }) }),
        }),
      });
      const deployments = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
      for (const deployment of deployments) {
        const selector = selectorSchema.parse(deployment).spec.selector.matchLabels;
        const labels = labelsSchema.parse(deployment).spec.template.metadata.labels;
        expect(labels, deployment.metadata.name).toMatchObject(selector);
      }
      for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
        const selector = selectorSchema.parse(pdb).spec.selector.matchLabels;
        const covered = deployments.filter((d) =>
          Object.entries(selector).every(
            ([k, v]) => labelsSchema.parse(d).spec.template.metadata.labels[k] === v,
          ),
        );
        expect(
          covered.map((d) => d.metadata.name),
          pdb.metadata.name,
        ).toEqual([pdb.metadata.name]);
      }
    },
  );

  it('dev: one worker, the local image, debug logs, IfNotPresent, a throwaway Redis Secret, no KEDA or monitoring', async () => {
    const objects = await build('dev');
    expect(replicasOf(find(objects, 'Deployment', 'ambient-worker'))).toBe(1);
    expect(containerOf(objects, 'ambient-worker').image).toBe('ambient-session-operator:dev');
    expect(containerOf(objects, 'ambient-watcher').image).toBe('ambient-session-operator:dev');
    const settings = dataOf(findGenerated(objects, 'ConfigMap', 'ambient-operator-settings'));
    expect(settings).toMatchObject({ LOG_LEVEL: 'debug', IMAGE_PULL_POLICY: 'IfNotPresent' });
    expect(find(objects, 'Secret', 'ambient-redis').metadata.namespace).toBe('ambient-code');
    expect(
      objects.filter((o) => ['ScaledObject', 'ServiceMonitor', 'PrometheusRule'].includes(o.kind)),
    ).toEqual([]);
  });

  it('production: 2 watchers, KEDA owns the worker count (3 to 20), monitoring, Vertex, a pinned image', async () => {
    const objects = await build('production');
    expect(replicasOf(find(objects, 'Deployment', 'ambient-watcher'))).toBe(2);
    // No replicas field: kubectl apply must not reset what the autoscaler decided.
    expect(replicasOf(find(objects, 'Deployment', 'ambient-worker'))).toBeUndefined();
    const scaled = z
      .looseObject({
        spec: z.looseObject({
          minReplicaCount: z.number(),
          maxReplicaCount: z.number(),
          scaleTargetRef: z.looseObject({ name: z.string() }),
        }),
      })
      .parse(find(objects, 'ScaledObject', 'ambient-worker')).spec;
    expect(scaled).toMatchObject({
      minReplicaCount: 3,
      maxReplicaCount: 20,
      scaleTargetRef: { name: 'ambient-worker' },
    });
    expect(
      objects
        .filter((o) => o.kind === 'ServiceMonitor')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['ambient-watcher', 'ambient-worker']);
    find(objects, 'PrometheusRule', 'ambient-operator');
    expect(find(objects, 'ConfigMap', 'ambient-operator-dashboard').metadata.labels).toMatchObject({
      grafana_dashboard: '1',
    });
    expect(dataOf(findGenerated(objects, 'ConfigMap', 'operator-config'))).toEqual({
      USE_VERTEX: '1',
      CLOUD_ML_REGION: 'global',
      GOOGLE_APPLICATION_CREDENTIALS: '/app/vertex/ambient-code-key.json',
      ANTHROPIC_VERTEX_PROJECT_ID: '',
    });
    for (const deployment of ['ambient-watcher', 'ambient-worker']) {
      expect(containerOf(objects, deployment).image).toBe(
        'quay.io/ambient_code/ambient-session-operator:0.1.0',
      );
    }
  });

  it('production: the generated operator-config is what both Deployments read', async () => {
    const objects = await build('production');
    const generated = findGenerated(objects, 'ConfigMap', 'operator-config').metadata.name;
    for (const deployment of ['ambient-watcher', 'ambient-worker']) {
      const sources = containerOf(objects, deployment).envFrom?.map((s) => s.configMapRef?.name);
      expect(sources, deployment).toContain(generated);
    }
  });

  it('an overlay on top of production pins another image with kustomize images:', async () => {
    const objects = await kustomizeCompose({
      resources: [paths.production],
      images: [
        {
          name: 'quay.io/ambient_code/ambient-session-operator',
          newName: 'registry.example.com/operator',
          newTag: '1.2.3',
        },
      ],
    });
    for (const deployment of ['ambient-watcher', 'ambient-worker']) {
      expect(containerOf(objects, deployment).image).toBe('registry.example.com/operator:1.2.3');
    }
  });

  it('api-server-source: the watcher and the workers read the source from Secret ambient-api-server', async () => {
    const objects = await build('production+api-server-source');
    for (const deployment of ['ambient-watcher', 'ambient-worker']) {
      const env = containerOf(objects, deployment).env ?? [];
      for (const [name, key] of [
        ['AMBIENT_API_SERVER_URL', 'url'],
        ['AMBIENT_API_TOKEN', 'token'],
      ] as const) {
        expect(
          env.find((e) => e.name === name),
          `${deployment} ${name}`,
        ).toEqual({ name, valueFrom: { secretKeyRef: { name: 'ambient-api-server', key } } });
      }
    }
    const without = await build('production');
    expect(containerOf(without, 'ambient-worker').env?.map((e) => e.name)).not.toContain(
      'AMBIENT_API_SERVER_URL',
    );
  });

  it('external-redis: no in-cluster Redis; REDIS_URL comes from Secret ambient-redis-url', async () => {
    for (const name of ['base+external-redis', 'production+external-redis'] as const) {
      const objects = await build(name);
      expect(
        objects.filter((o) => o.metadata.name === 'ambient-redis' && o.kind !== 'TriggerAuthentication'),
      ).toEqual([]);
      for (const deployment of ['ambient-watcher', 'ambient-worker']) {
        const env = containerOf(objects, deployment).env ?? [];
        expect(
          env.find((e) => e.name === 'REDIS_URL'),
          `${name} ${deployment}`,
        ).toEqual({
          name: 'REDIS_URL',
          valueFrom: { secretKeyRef: { name: 'ambient-redis-url', key: 'url' } },
        });
        expect(env.map((e) => e.name)).not.toContain('REDIS_PASSWORD');
      }
    }
  });

  it('production: Redis with Sentinel (3 pods of Redis + Sentinel), the operator and KEDA in Sentinel mode', async () => {
    const objects = await build('production');
    expect(objects.filter((o) => o.kind === 'Deployment' && o.metadata.name === 'ambient-redis')).toEqual([]);
    const set = z
      .looseObject({
        spec: z.looseObject({
          replicas: z.number(),
          serviceName: z.string(),
          template: z.looseObject({
            spec: z.looseObject({ containers: z.array(z.looseObject({ name: z.string() })) }),
          }),
        }),
      })
      .parse(find(objects, 'StatefulSet', 'ambient-redis')).spec;
    expect(set.replicas).toBe(3);
    expect(set.template.spec.containers.map((c) => c.name)).toEqual(['redis', 'sentinel']);
    find(objects, 'Service', set.serviceName);
    find(objects, 'Service', 'ambient-redis-sentinel');
    expect(find(objects, 'PodDisruptionBudget', 'ambient-redis')).toBeDefined();
    const settings = dataOf(findGenerated(objects, 'ConfigMap', 'ambient-operator-settings'));
    // One Sentinel per StatefulSet pod, by its stable name.
    expect(settings['REDIS_SENTINELS']?.split(',')).toEqual(
      [0, 1, 2].map((i) => `ambient-redis-${i}.${set.serviceName}:26379`),
    );
    const trigger = z
      .looseObject({ spec: z.looseObject({ triggers: z.array(z.looseObject({ type: z.string() })) }) })
      .parse(find(objects, 'ScaledObject', 'ambient-worker')).spec.triggers[0];
    expect(trigger?.type).toBe('redis-sentinel');
  });

  it('the keda and monitoring components also apply to the base alone', async () => {
    const objects = await kustomizeCompose({
      resources: [paths.base],
      components: [paths.keda, paths.monitoring],
    });
    expect(
      objects.filter((o) => ['ScaledObject', 'TriggerAuthentication', 'PrometheusRule'].includes(o.kind))
        .length,
    ).toBe(3);
  });

  it('a broken kustomization fails with kubectl’s message', async () => {
    await expect(kustomizeCompose({ resources: [paths.base, paths.base] })).rejects.toThrow(
      /kubectl kustomize .* failed:/,
    );
  });
});
