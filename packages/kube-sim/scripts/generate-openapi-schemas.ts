/**
 * Generates src/openapi/schemas.generated.json: the OpenAPI v3 schemas of the built-in kinds kube-sim serves (and
 * every schema they reference), copied from a real kube-apiserver's `/openapi/v3` documents. kube-sim serves them
 * in its own `/openapi/v3` documents (src/routes/openapi.ts), so `kubectl explain pods.spec.containers` prints
 * what it prints against the real server. Run once per Kubernetes release, against `pnpm kube-real`:
 *
 *   pnpm kube-real --port 16443 --kubeconfig /tmp/real.kubeconfig &
 *   node --import tsx packages/kube-sim/scripts/generate-openapi-schemas.ts /tmp/real.kubeconfig v1.37.2
 *
 * (the release is packages/kube-real/go/go.mod's k8s.io/kubernetes pin: its binaries report no version)
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ResourceRegistry } from '../src/resource-registry.js';
import { referencedSchemas, type SchemaMap } from '../src/openapi/schema-closure.js';

const [kubeconfig, release] = process.argv.slice(2);
if (!kubeconfig || !release)
  throw new Error(
    'usage: generate-openapi-schemas.ts <kubeconfig of a real API server> <its release, e.g. v1.37.2>',
  );

function getRaw(path: string): unknown {
  return JSON.parse(
    execFileSync('kubectl', ['--kubeconfig', kubeconfig!, 'get', '--raw', path], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    }),
  );
}

const gvkSchema = z.array(z.object({ group: z.string(), version: z.string(), kind: z.string() }));
const documentSchema = z.object({
  components: z.object({ schemas: z.record(z.string(), z.record(z.string(), z.unknown())) }),
});

const registry = new ResourceRegistry();
const byGroupVersion = new Map<string, string[]>();
for (const type of registry.all()) {
  for (const version of type.versions) {
    const path = type.group ? `apis/${type.group}/${version}` : `api/${version}`;
    byGroupVersion.set(path, [...(byGroupVersion.get(path) ?? []), type.kind]);
  }
}

const schemas: SchemaMap = {};
const roots: Record<string, string[]> = {};
for (const [path, kinds] of [...byGroupVersion].sort(([a], [b]) => a.localeCompare(b))) {
  const doc = documentSchema.parse(getRaw(`/openapi/v3/${path}`));
  const names = Object.entries(doc.components.schemas)
    .filter(([, s]) => {
      const gvks = gvkSchema.safeParse(s['x-kubernetes-group-version-kind']);
      const [group, version] = path.startsWith('apis/') ? path.slice(5).split('/') : ['', path.slice(4)];
      return (
        gvks.success &&
        gvks.data.some((g) => g.group === group && g.version === version && kinds.includes(g.kind))
      );
    })
    .map(([name]) => name)
    .sort();
  const missing = kinds.filter((k) => !names.some((n) => n.endsWith(`.${k}`)));
  if (missing.length) throw new Error(`${path}: no schema for ${missing.join(', ')}`);
  roots[path] = names;
  for (const name of referencedSchemas(doc.components.schemas, names))
    schemas[name] = doc.components.schemas[name]!;
}

const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(
  new URL('../src/openapi/schemas.generated.json', import.meta.url),
  `${JSON.stringify({ source: `kube-apiserver ${release} /openapi/v3`, roots, schemas: sorted }, null, 2)}\n`,
);
console.log(
  `${Object.keys(sorted).length} schemas for ${Object.keys(roots).length} group-versions (${release})`,
);
