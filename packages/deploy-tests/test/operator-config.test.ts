import { describe, expect, it } from 'vitest';
import { QueueKeys } from 'bullmq';
import { z } from 'zod';
import { loadConfig } from '@ambient-operator/shared';
import { containerEnvironment, podTemplatesOf, type KubeObject } from '@ambient-operator/deploy-tests';
import { build, find, type BuildName } from './support/builds.js';

/** The argv and environment the kubelet would start a Deployment's container with. */
function startupOf(objects: readonly KubeObject[], deployment: string, secrets: Record<string, string>) {
  const template = podTemplatesOf(objects).find((t) => t.owner.metadata.name === deployment)!;
  const container = template.spec.containers[0]!;
  const env = containerEnvironment(container, {
    objects,
    namespace: 'ambient-code',
    secretValue: (name, key) => secrets[`${name}/${key}`],
  });
  return { argv: container.args ?? [], env, command: container.command ?? [] };
}

const SECRETS = {
  'ambient-redis/password': '0123abcd',
  'ambient-redis-url/url': 'rediss://:pw@redis.example.internal:6380/0',
};

describe("the operator's own config loader accepts what the manifests give it", () => {
  it.each(['base', 'dev', 'base+external-redis'] as BuildName[])(
    '%s: watcher and worker start',
    async (name) => {
      const objects = await build(name);
      const watcher = startupOf(objects, 'ambient-watcher', SECRETS);
      const watcherConfig = loadConfig(watcher.argv, watcher.env);
      expect(watcherConfig.controller.leaderElect).toBe(true);
      expect(watcherConfig.namespaces).toEqual({ operator: 'ambient-code', backend: 'ambient-code' });
      const worker = startupOf(objects, 'ambient-worker', SECRETS);
      const workerConfig = loadConfig(worker.argv, worker.env);
      expect(workerConfig.controller.maxConcurrentReconciles).toBe(10);
      expect(workerConfig.http.metricsBindAddress).toEqual({ host: undefined, port: 8080 });
      expect(workerConfig.http.healthProbeBindAddress).toEqual({ host: undefined, port: 8081 });
      expect(workerConfig.runner.agentRegistryPath).toBe('/config/registry/agent-registry.json');
      expect(workerConfig.runner.modelsManifestPath).toBe('/config/models/models.json');
      const redisUrl =
        name === 'base+external-redis'
          ? SECRETS['ambient-redis-url/url']
          : 'redis://:0123abcd@ambient-redis:6379';
      expect(workerConfig.queue.redis).toEqual({ mode: 'standalone', url: redisUrl });
      expect(watcherConfig.queue.redis).toEqual({ mode: 'standalone', url: redisUrl });
    },
  );

  it('dev logs at debug and lets runners use local images', async () => {
    const worker = startupOf(await build('dev'), 'ambient-worker', SECRETS);
    const config = loadConfig(worker.argv, worker.env);
    expect(config.logging.level).toBe('debug');
    expect(config.runner.imagePullPolicy).toBe('IfNotPresent');
  });

  it('production refuses to start until ANTHROPIC_VERTEX_PROJECT_ID is set, then runs in Vertex mode', async () => {
    const objects = await build('production');
    const worker = startupOf(objects, 'ambient-worker', SECRETS);
    expect(() => loadConfig(worker.argv, worker.env)).toThrow(/ANTHROPIC_VERTEX_PROJECT_ID/);
    const config = loadConfig(worker.argv, { ...worker.env, ANTHROPIC_VERTEX_PROJECT_ID: 'my-project' });
    expect(config.vertex).toMatchObject({ enabled: true, projectId: 'my-project', region: 'global' });
  });

  it('production: watcher and worker follow the Sentinels, with the Redis password for master and Sentinels', async () => {
    const objects = await build('production');
    for (const deployment of ['ambient-watcher', 'ambient-worker']) {
      const { argv, env } = startupOf(objects, deployment, SECRETS);
      const { queue } = loadConfig(argv, { ...env, ANTHROPIC_VERTEX_PROJECT_ID: 'p' });
      expect(queue.redis, deployment).toEqual({
        mode: 'sentinel',
        url: 'redis://:0123abcd@ambient-redis:6379',
        sentinels: [0, 1, 2].map((i) => ({ host: `ambient-redis-${i}.ambient-redis-headless`, port: 26379 })),
        masterName: 'ambient',
        sentinelPassword: '0123abcd',
      });
      expect(queue.prefix).toBe('ambient');
    }
  });

  it('KEDA watches the Redis list where BullMQ keeps the queue the workers consume', async () => {
    const objects = await build('production');
    const worker = startupOf(objects, 'ambient-worker', SECRETS);
    const { queue } = loadConfig(worker.argv, { ...worker.env, ANTHROPIC_VERTEX_PROJECT_ID: 'p' });
    const trigger = z
      .looseObject({
        spec: z.looseObject({
          triggers: z.array(
            z.looseObject({
              type: z.string(),
              metadata: z.looseObject({
                listName: z.string(),
                addresses: z.string(),
                sentinelMaster: z.string(),
              }),
              authenticationRef: z.looseObject({ name: z.string() }),
            }),
          ),
        }),
      })
      .parse(find(objects, 'ScaledObject', 'ambient-worker')).spec.triggers[0]!;
    expect(trigger.type).toBe('redis-sentinel');
    expect(trigger.metadata.listName).toBe(new QueueKeys(queue.prefix).toKey(queue.name, 'wait'));
    expect(trigger.metadata.addresses).toBe('ambient-redis-sentinel.ambient-code.svc.cluster.local:26379');
    expect(queue.redis.mode === 'sentinel' && queue.redis.masterName).toBe(trigger.metadata.sentinelMaster);
    const auth = z
      .looseObject({
        spec: z.looseObject({
          secretTargetRef: z.array(
            z.looseObject({ parameter: z.string(), name: z.string(), key: z.string() }),
          ),
        }),
      })
      .parse(find(objects, 'TriggerAuthentication', trigger.authenticationRef.name)).spec.secretTargetRef;
    expect(auth).toEqual([
      { parameter: 'password', name: 'ambient-redis', key: 'password' },
      { parameter: 'sentinelPassword', name: 'ambient-redis', key: 'password' },
    ]);
  });
});
