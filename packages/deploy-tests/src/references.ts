import { z } from 'zod';
import type { KubeObject } from './kube-object.js';
import { containersOf, podTemplatesOf } from './pod-specs.js';

/** A required object a workload refers to by name. */
export interface Reference {
  kind: 'ConfigMap' | 'Secret' | 'ServiceAccount';
  namespace: string | undefined;
  name: string;
  /** Who refers to it. */
  from: string;
}

/**
 * References from pod specs to ConfigMaps, Secrets and ServiceAccounts that are required (not
 * `optional: true`) and that the manifests do not contain: each must exist before the pods can
 * start, so each is either a mistake or a documented out-of-band step.
 */
export function missingReferences(objects: readonly KubeObject[]): Reference[] {
  const present = new Set(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`));
  const missing: Reference[] = [];
  const seen = new Set<string>();
  const need = (reference: Reference): void => {
    const key = `${reference.kind}/${reference.namespace ?? ''}/${reference.name}`;
    if (present.has(key) || seen.has(key)) return;
    seen.add(key);
    missing.push(reference);
  };
  for (const { owner, where, spec } of podTemplatesOf(objects)) {
    const namespace = owner.metadata.namespace;
    need({ kind: 'ServiceAccount', namespace, name: spec.serviceAccountName ?? 'default', from: where });
    for (const container of containersOf(spec)) {
      for (const env of container.env ?? []) {
        const cm = env.valueFrom?.configMapKeyRef;
        if (cm !== undefined && cm.optional !== true)
          need({ kind: 'ConfigMap', namespace, name: cm.name, from: where });
        const secret = env.valueFrom?.secretKeyRef;
        if (secret !== undefined && secret.optional !== true) {
          need({ kind: 'Secret', namespace, name: secret.name, from: where });
        }
      }
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef !== undefined && source.configMapRef.optional !== true) {
          need({ kind: 'ConfigMap', namespace, name: source.configMapRef.name, from: where });
        }
        if (source.secretRef !== undefined && source.secretRef.optional !== true) {
          need({ kind: 'Secret', namespace, name: source.secretRef.name, from: where });
        }
      }
    }
    for (const volume of spec.volumes ?? []) {
      if (volume.configMap !== undefined && volume.configMap.optional !== true) {
        need({ kind: 'ConfigMap', namespace, name: volume.configMap.name, from: where });
      }
      if (volume.secret !== undefined && volume.secret.optional !== true) {
        need({ kind: 'Secret', namespace, name: volume.secret.secretName, from: where });
      }
    }
  }
  // The namespace's default ServiceAccount is created by Kubernetes itself.
  return missing.filter((r) => !(r.kind === 'ServiceAccount' && r.name === 'default'));
}

const serviceSchema = z.looseObject({
  spec: z.looseObject({
    selector: z.record(z.string(), z.string()).optional(),
    ports: z.array(
      z.looseObject({
        name: z.string().optional(),
        targetPort: z.union([z.string(), z.number()]).optional(),
      }),
    ),
  }),
});

/**
 * Services whose selector matches no pod template in the same namespace, or whose named targetPort
 * no selected container declares.
 */
export function danglingServices(objects: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  const templates = podTemplatesOf(objects).map((t) => ({
    namespace: t.owner.metadata.namespace,
    labels: z
      .looseObject({
        spec: z.looseObject({
          template: z.looseObject({
            metadata: z.looseObject({ labels: z.record(z.string(), z.string()).default({}) }),
          }),
        }),
      })
      .parse(t.owner).spec.template.metadata.labels,
    spec: t.spec,
  }));
  for (const service of objects.filter((o) => o.kind === 'Service')) {
    const { selector, ports } = serviceSchema.parse(service).spec;
    if (selector === undefined) continue;
    const selected = templates.filter(
      (t) =>
        t.namespace === service.metadata.namespace &&
        Object.entries(selector).every(([k, v]) => t.labels[k] === v),
    );
    if (selected.length === 0) {
      problems.push(`Service ${service.metadata.name}: selector matches no pod template`);
      continue;
    }
    for (const port of ports) {
      if (typeof port.targetPort !== 'string') continue;
      const declared = selected.some((t) =>
        containersOf(t.spec).some((c) => (c.ports ?? []).some((p) => p.name === port.targetPort)),
      );
      if (!declared)
        problems.push(`Service ${service.metadata.name}: no selected container has port ${port.targetPort}`);
    }
  }
  return problems;
}
