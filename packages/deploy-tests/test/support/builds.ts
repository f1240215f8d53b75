import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deployDir, kustomizeBuild, kustomizeCompose, type KubeObject } from '@ambient-operator/deploy-tests';

/** The kustomizations users apply, by name, built once per test file. */
export const BUILD_NAMES = [
  'base',
  'dev',
  'production',
  'base+external-redis',
  'base+redis-sentinel',
  'production+external-redis',
  'production+api-server-source',
] as const;
export type BuildName = (typeof BUILD_NAMES)[number];

export const paths = {
  base: join(deployDir, 'base'),
  dev: join(deployDir, 'overlays/dev'),
  production: join(deployDir, 'overlays/production'),
  keda: join(deployDir, 'components/keda'),
  monitoring: join(deployDir, 'components/monitoring'),
  externalRedis: join(deployDir, 'components/external-redis'),
  redisSentinel: join(deployDir, 'components/redis-sentinel'),
  apiServerSource: join(deployDir, 'components/api-server-source'),
  examples: join(deployDir, 'examples'),
} as const;

const cache = new Map<BuildName, Promise<KubeObject[]>>();

export function build(name: BuildName): Promise<KubeObject[]> {
  let pending = cache.get(name);
  if (pending === undefined) {
    pending = buildUncached(name);
    cache.set(name, pending);
  }
  return pending;
}

function buildUncached(name: BuildName): Promise<KubeObject[]> {
  switch (name) {
    case 'base':
      return kustomizeBuild(paths.base);
    case 'dev':
      return kustomizeBuild(paths.dev);
    case 'production':
      return kustomizeBuild(paths.production);
    case 'base+external-redis':
      return kustomizeCompose({ resources: [paths.base], components: [paths.externalRedis] });
    case 'base+redis-sentinel':
      return kustomizeCompose({
        resources: [paths.base],
        components: [paths.redisSentinel],
        namespace: 'ambient-code',
      });
    case 'production+external-redis':
      return productionWithExternalRedis();
    case 'production+api-server-source':
      return kustomizeCompose({ resources: [paths.production], components: [paths.apiServerSource] });
  }
}

/**
 * What the production overlay's header tells managed-Redis users to do: its redis-sentinel component replaced by
 * external-redis. Built from a copy beside the overlay, so its relative paths still resolve.
 */
async function productionWithExternalRedis(): Promise<KubeObject[]> {
  const dir = await mkdtemp(join(deployDir, 'overlays', '.production-external-redis-'));
  try {
    const kustomization = await readFile(join(paths.production, 'kustomization.yaml'), 'utf8');
    const swapped = kustomization.replace(
      '../../components/redis-sentinel',
      '../../components/external-redis',
    );
    if (swapped === kustomization) throw new Error('the production overlay no longer lists redis-sentinel');
    await writeFile(join(dir, 'kustomization.yaml'), swapped);
    await copyFile(join(paths.production, 'operator-config.env'), join(dir, 'operator-config.env'));
    return await kustomizeBuild(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The one object of that kind and name; fails the test when absent or ambiguous. */
export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const matches = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (matches.length !== 1) throw new Error(`expected one ${kind}/${name}, found ${matches.length}`);
  return matches[0]!;
}

/** Like find, for a generated object whose name carries a kustomize hash suffix. */
export function findGenerated(objects: readonly KubeObject[], kind: string, prefix: string): KubeObject {
  const matches = objects.filter(
    (o) => o.kind === kind && new RegExp(`^${prefix}-[a-z0-9]{10}$`).test(o.metadata.name),
  );
  if (matches.length !== 1)
    throw new Error(`expected one generated ${kind}/${prefix}-<hash>, found ${matches.length}`);
  return matches[0]!;
}

export function kindsAndNames(objects: readonly KubeObject[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
}
