import type { StatusCause } from './errors.js';
import { cause } from './errors.js';
import type { CustomResourceVersion, PrinterColumn, ResourceType } from './resource-registry.js';
import { ALL_VERBS } from './resource-registry.js';
import { asSchema } from './schema/openapi-schema.js';
import { applyDefaults, pruneUnknownFields } from './schema/structural.js';
import { validateAgainstSchema } from './schema/validate.js';
import type { JsonObject, KubeObject } from './types.js';
import { isPlainObject, nowRfc3339 } from './types.js';

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
  return isPlainObject(value) ? value : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Validation of a CustomResourceDefinition: the parts kube-sim relies on. */
export function validateCrd(crd: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj(crd.spec);
  const names = obj(spec.names);
  const group = spec.group;
  if (typeof group !== 'string' || !group.includes('.')) {
    causes.push(cause.invalid('spec.group', group ?? '', 'should be a domain with at least one dot'));
  }
  if (typeof names.plural !== 'string' || !names.plural) causes.push(cause.required('spec.names.plural'));
  if (typeof names.kind !== 'string' || !names.kind) causes.push(cause.required('spec.names.kind'));
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    causes.push(cause.notSupported('spec.scope', spec.scope ?? '', ['Cluster', 'Namespaced']));
  }
  const versions = Array.isArray(spec.versions) ? spec.versions.map(obj) : [];
  if (versions.length === 0)
    causes.push(cause.required('spec.versions', 'must have exactly one version marked as storage version'));
  if (versions.filter((v) => v.storage === true).length !== 1) {
    causes.push(
      cause.invalid('spec.versions', 'array', 'must have exactly one version marked as storage version'),
    );
  }
  versions.forEach((v, i) => {
    if (!isPlainObject(obj(v.schema).openAPIV3Schema)) {
      causes.push(cause.required(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required'));
    }
  });
  const expected = `${String(names.plural)}.${String(group)}`;
  if (crd.metadata.name !== expected) {
    causes.push(
      cause.invalid('metadata.name', crd.metadata.name ?? '', `must be spec.names.plural+"."+spec.group`),
    );
  }
  return causes;
}

/** The status the API server's CRD controllers write: names accepted, Established. */
export function crdStatus(crd: KubeObject): JsonObject {
  const spec = obj(crd.spec);
  const names = obj(spec.names);
  const now = nowRfc3339();
  const accepted: JsonObject = {
    plural: String(names.plural),
    singular: String(names.singular ?? String(names.kind).toLowerCase()),
    kind: String(names.kind),
    listKind: String(names.listKind ?? `${String(names.kind)}List`),
  };
  if (Array.isArray(names.shortNames)) accepted.shortNames = strings(names.shortNames);
  if (Array.isArray(names.categories)) accepted.categories = strings(names.categories);
  const storage = (Array.isArray(spec.versions) ? spec.versions.map(obj) : []).find(
    (v) => v.storage === true,
  );
  return {
    acceptedNames: accepted,
    conditions: [
      {
        type: 'NamesAccepted',
        status: 'True',
        reason: 'NoConflicts',
        message: 'no conflicts found',
        lastTransitionTime: now,
      },
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
        lastTransitionTime: now,
      },
    ],
    storedVersions: storage ? [String(storage.name)] : [],
  };
}

/** Turns a CRD into the resource type it defines (served versions only). */
export function crdToResourceType(crd: KubeObject): ResourceType {
  const spec = obj(crd.spec);
  const names = obj(spec.names);
  const group = String(spec.group);
  const plural = String(names.plural);
  const kind = String(names.kind);
  const versions = new Map<string, CustomResourceVersion>();
  let storageVersion = '';
  for (const raw of Array.isArray(spec.versions) ? spec.versions : []) {
    const v = obj(raw);
    if (v.served === false) continue;
    const name = String(v.name);
    if (v.storage === true) storageVersion = name;
    const schema = obj(v.schema).openAPIV3Schema;
    versions.set(name, {
      name,
      schema: isPlainObject(schema) ? (schema as JsonObject) : undefined,
      printerColumns: (Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : []).map(
        (c) => obj(c) as unknown as PrinterColumn,
      ),
      hasStatusSubresource: isPlainObject(obj(v.subresources).status),
    });
  }
  const anyStatus = [...versions.values()].some((v) => v.hasStatusSubresource);
  return {
    id: `${group}/${plural}`,
    group,
    versions: [...versions.keys()],
    storageVersion: storageVersion || [...versions.keys()][0] || '',
    plural,
    singular: String(names.singular ?? kind.toLowerCase()),
    kind,
    listKind: String(names.listKind ?? `${kind}List`),
    namespaced: spec.scope !== 'Cluster',
    shortNames: strings(names.shortNames),
    categories: strings(names.categories),
    verbs: ALL_VERBS,
    subresources: anyStatus ? ['status'] : [],
    hasStatusSubresource: anyStatus,
    allowUnconditionalUpdate: false,
    defaultPropagationPolicy: 'Background',
    nameRule: 'subdomain',
    custom: { crdName: crd.metadata.name ?? '', versions },
  };
}

export interface CustomResourceCheck {
  /** Paths of fields that were pruned because the schema does not declare them. */
  unknownFields: string[];
  causes: StatusCause[];
}

/** Prunes, defaults and validates a custom resource in place, as the API server does on write. */
export function processCustomResource(
  type: ResourceType,
  version: string,
  object: KubeObject,
): CustomResourceCheck {
  const schema = asSchema(type.custom?.versions.get(version)?.schema);
  if (!schema) return { unknownFields: [], causes: [] };
  const unknownFields = pruneUnknownFields(object, schema);
  applyDefaults(object, schema);
  return { unknownFields, causes: validateAgainstSchema(object, schema) };
}
