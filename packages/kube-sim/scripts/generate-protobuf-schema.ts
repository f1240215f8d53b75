/**
 * Generates src/protobuf/schema.generated.ts: the protobuf field numbers of the built-in kinds kubectl's typed
 * `create` subcommands send, read from upstream's generated.proto files (the Go module cache holds them once
 * scripts/build-kube-real.sh has run). kube-sim decodes those request bodies with it (src/protobuf/decode.ts).
 *
 *   node --import tsx packages/kube-sim/scripts/generate-protobuf-schema.ts $(go env GOMODCACHE)/k8s.io v0.37.2
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [modRoot, version] = process.argv.slice(2);
if (!modRoot || !version) throw new Error('usage: generate-protobuf-schema.ts <GOMODCACHE>/k8s.io <v0.x.y>');

const protoFiles = [
  `apimachinery@${version}/pkg/apis/meta/v1/generated.proto`,
  `apimachinery@${version}/pkg/api/resource/generated.proto`,
  `apimachinery@${version}/pkg/util/intstr/generated.proto`,
  `apimachinery@${version}/pkg/runtime/generated.proto`,
  `api@${version}/core/v1/generated.proto`,
  `api@${version}/batch/v1/generated.proto`,
  `api@${version}/apps/v1/generated.proto`,
  `api@${version}/rbac/v1/generated.proto`,
  `api@${version}/policy/v1/generated.proto`,
  `api@${version}/scheduling/v1/generated.proto`,
  `api@${version}/scheduling/v1alpha3/generated.proto`,
  `api@${version}/networking/v1/generated.proto`,
  `api@${version}/authentication/v1/generated.proto`,
  `api@${version}/authorization/v1/generated.proto`,
];

/** The top-level kinds kubectl's typed commands create (`kubectl create <kind>`), by apiVersion/kind. */
const roots: Record<string, string> = {
  'v1/Namespace': 'k8s.io.api.core.v1.Namespace',
  'v1/Secret': 'k8s.io.api.core.v1.Secret',
  'v1/ConfigMap': 'k8s.io.api.core.v1.ConfigMap',
  'v1/ServiceAccount': 'k8s.io.api.core.v1.ServiceAccount',
  'v1/Service': 'k8s.io.api.core.v1.Service',
  'v1/ResourceQuota': 'k8s.io.api.core.v1.ResourceQuota',
  'v1/Pod': 'k8s.io.api.core.v1.Pod',
  'batch/v1/Job': 'k8s.io.api.batch.v1.Job',
  'batch/v1/CronJob': 'k8s.io.api.batch.v1.CronJob',
  'apps/v1/Deployment': 'k8s.io.api.apps.v1.Deployment',
  'rbac.authorization.k8s.io/v1/Role': 'k8s.io.api.rbac.v1.Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'k8s.io.api.rbac.v1.RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'k8s.io.api.rbac.v1.ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'k8s.io.api.rbac.v1.ClusterRoleBinding',
  'policy/v1/PodDisruptionBudget': 'k8s.io.api.policy.v1.PodDisruptionBudget',
  'scheduling.k8s.io/v1/PriorityClass': 'k8s.io.api.scheduling.v1.PriorityClass',
  'networking.k8s.io/v1/Ingress': 'k8s.io.api.networking.v1.Ingress',
  'authentication.k8s.io/v1/TokenRequest': 'k8s.io.api.authentication.v1.TokenRequest',
  'authentication.k8s.io/v1/SelfSubjectReview': 'k8s.io.api.authentication.v1.SelfSubjectReview',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'k8s.io.api.authorization.v1.SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'k8s.io.api.authorization.v1.SelfSubjectRulesReview',
  'policy/v1/Eviction': 'k8s.io.api.policy.v1.Eviction',
  'meta.k8s.io/v1/Unknown': 'k8s.io.apimachinery.pkg.runtime.Unknown',
};

/** Messages whose JSON form is not an object of their fields. */
const special: Record<string, string> = {
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time': 'time',
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime': 'time',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Duration': 'duration',
  'k8s.io.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': 'intOrString',
  'k8s.io.apimachinery.pkg.runtime.RawExtension': 'rawJson',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': 'rawJson',
};

interface Field {
  name: string;
  number: number;
  repeated: boolean;
  type: string;
  mapValue?: string;
}
const messages = new Map<string, Field[]>();

for (const file of protoFiles) {
  const text = readFileSync(join(modRoot, file), 'utf8').replace(/\/\/.*$/gm, '');
  const pkg = /^package ([\w.]+);/m.exec(text)?.[1];
  if (!pkg) throw new Error(`${file}: no package`);
  for (const m of text.matchAll(/^message (\w+) \{([^}]*)\}/gm)) {
    const fields: Field[] = [];
    for (const f of m[2]!.matchAll(
      /^\s*(optional|repeated)?\s*(map<\s*[\w.]+\s*,\s*([\w.]+)\s*>|[\w.]+)\s+(\w+)\s*=\s*(\d+);/gm,
    )) {
      const isMap = f[2]!.startsWith('map<');
      const field: Field = {
        name: f[4]!,
        number: Number(f[5]),
        repeated: f[1] === 'repeated',
        type: isMap ? 'map' : resolve(f[2]!, pkg),
      };
      if (isMap) field.mapValue = resolve(f[3]!, pkg);
      fields.push(field);
    }
    messages.set(`${pkg}.${m[1]}`, fields);
  }
}

function resolve(type: string, pkg: string): string {
  if (/^(string|bytes|bool|int32|int64|uint32|uint64|double|float|sint32|sint64)$/.test(type)) return type;
  return type.startsWith('.') ? type.slice(1) : `${pkg}.${type}`;
}

const reachable = new Map<string, Field[]>();
const pending = Object.values(roots);
while (pending.length) {
  const name = pending.pop()!;
  if (reachable.has(name) || special[name]) continue;
  const fields = messages.get(name);
  if (!fields) throw new Error(`message ${name} not found`);
  reachable.set(name, fields);
  for (const f of fields) for (const t of [f.type, f.mapValue]) if (t && t.includes('.')) pending.push(t);
}

const short = (t: string): string =>
  special[t] ?? (t.includes('.') ? t.replace(/^k8s\.io\.(api\.|apimachinery\.pkg\.)/, '') : t);
const lines = [...reachable.keys()].sort().map((name) => {
  const fields = reachable
    .get(name)!
    .map(
      (f) =>
        `${f.number}: [${JSON.stringify(f.name)}, ${JSON.stringify(f.mapValue ? `map:${short(f.mapValue)}` : short(f.type))}${f.repeated ? ', true' : ''}]`,
    )
    .join(', ');
  return `  ${JSON.stringify(short(name))}: { ${fields} },`;
});
const out = `// Generated by scripts/generate-protobuf-schema.ts from k8s.io/api and k8s.io/apimachinery ${version}
// generated.proto files. Do not edit; regenerate when the pinned Kubernetes release changes.
import type { ProtoSchema } from './decode.js';

export const protoRoots: Record<string, string> = ${JSON.stringify(Object.fromEntries(Object.entries(roots).map(([k, v]) => [k, short(v)])), null, 2)};

export const protoMessages: ProtoSchema = {
${lines.join('\n')}
};
`;
writeFileSync(new URL('../src/protobuf/schema.generated.ts', import.meta.url), out);
console.log(`${reachable.size} messages written`);
