import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isClusterScoped, kustomizeCompose, type KubeObject } from '@ambient-operator/deploy-tests';
import { BUILD_NAMES, build, paths } from './support/builds.js';

// deploy/ is applied to clusters where the ambient-code platform already runs (its backend, UI, and the Go
// operator we replace). Whatever we apply must leave the platform's own objects alone: redefining its
// ClusterRoles narrowed what its users may do (HTTP 500 on session creation), and labelling its namespace
// with Pod Security `restricted` rejected its backend pods at their next rollout.

const platformObjects = z.object({
  source: z.object({ repository: z.string(), commit: z.string(), path: z.string() }),
  objects: z.array(z.object({ kind: z.string(), namespace: z.string().optional(), name: z.string() })),
});

/** The objects we share with the platform on purpose: the CRDs we serve (same names, additive fields). */
const SHARED_BY_DESIGN = new Set([
  'CustomResourceDefinition/agenticsessions.vteam.ambient-code',
  'CustomResourceDefinition/projectsettings.vteam.ambient-code',
]);

const POD_SECURITY_LABEL = /^pod-security\.kubernetes\.io\//;

const keyOf = (o: { kind: string; namespace?: string | undefined; name: string }): string =>
  o.namespace === undefined ? `${o.kind}/${o.name}` : `${o.kind}/${o.namespace}/${o.name}`;

async function platformOwned(): Promise<Set<string>> {
  const text = await readFile(new URL('./fixtures/platform-owned-objects.json', import.meta.url), 'utf8');
  return new Set(platformObjects.parse(JSON.parse(text)).objects.map(keyOf));
}

const keysOf = (objects: readonly KubeObject[]): string[] =>
  objects.map((o) =>
    keyOf({
      kind: o.kind,
      namespace: isClusterScoped(o) ? undefined : o.metadata.namespace,
      name: o.metadata.name,
    }),
  );

describe('deploy/ coexists with the ambient-code platform', () => {
  it.each(BUILD_NAMES)('%s: defines no object the platform owns (CRDs aside)', async (name) => {
    const owned = await platformOwned();
    const clashes = keysOf(await build(name)).filter((k) => owned.has(k) && !SHARED_BY_DESIGN.has(k));
    expect(clashes).toEqual([]);
  });

  it("the fixture lists the platform's project ClusterRoles, so a clash with them cannot go unseen", async () => {
    const owned = await platformOwned();
    for (const role of ['admin', 'edit', 'view'])
      expect(owned.has(`ClusterRole/ambient-project-${role}`)).toBe(true);
    expect(owned.has('Namespace/ambient-code')).toBe(true);
  });

  // The operator shares `ambient-code` with the platform, as the Go operator did (so the platform's
  // ConfigMaps and Secrets mount as they are); the namespace and its Pod Security labels stay the platform's.
  it.each(BUILD_NAMES)('%s: defines no Namespace, so it never relabels the one it shares', async (name) => {
    const objects = await build(name);
    expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual([]);
    expect(
      objects.filter((o) => Object.keys(o.metadata.labels ?? {}).some((l) => POD_SECURITY_LABEL.test(l))),
    ).toEqual([]);
  });

  it('an overlay moves the operator and its RBAC subjects to a namespace of its own', async () => {
    const objects = await kustomizeCompose({ resources: [paths.base], namespace: 'platform-ops' });
    const misplaced = objects.filter((o) => !isClusterScoped(o) && o.metadata.namespace !== 'platform-ops');
    expect(misplaced.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    const subjects = z.array(z.object({ kind: z.string(), namespace: z.string().optional() }));
    const subjectNamespaces = objects
      .filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding')
      .flatMap((o) => subjects.parse((o as { subjects?: unknown }).subjects ?? []))
      .filter((s) => s.kind === 'ServiceAccount')
      .map((s) => s.namespace);
    expect(new Set(subjectNamespaces)).toEqual(new Set(['platform-ops']));
  });
});
