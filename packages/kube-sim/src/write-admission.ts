import { defaultBuiltin } from './builtin-defaults.js';
import { validateBuiltin } from './builtin-validation.js';
import { defaultWorkload, validateWorkload } from './workload-admission.js';
import { crdStatus, processCustomResource, validateCrd } from './custom-resources.js';
import type { StatusCause } from './errors.js';
import { badRequest, forbidden, notFound } from './errors.js';
import type { ResourceType } from './resource-registry.js';
import { apiVersionOf } from './resource-registry.js';
import { dropDisabledPodFields, type ServerVersion } from './server-version.js';
import type { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';
import { isPlainObject } from './types.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Per-request write options (query parameters of the real API). */
export interface WriteOptions {
  /** How unknown fields in custom resources are treated. @defaultValue 'Warn' (the API server's default) */
  fieldValidation?: FieldValidation;
  dryRun?: boolean;
  /** The API version the client addressed; objects are returned in it. */
  version?: string;
  /** Collected `Warning` header texts. */
  warnings?: string[];
}

/** A written body must name the resource's kind and one of its API versions (or leave them out). */
export function checkKind(type: ResourceType, object: KubeObject, version: string | undefined): void {
  if (object.kind !== undefined && object.kind !== type.kind) {
    throw badRequest(
      `${String(object.kind)} in version "${version ?? type.storageVersion}" cannot be handled as a ${type.kind}: the kind does not match`,
    );
  }
  if (object.apiVersion !== undefined && typeof object.apiVersion === 'string') {
    const [group, v] = object.apiVersion.includes('/')
      ? object.apiVersion.split('/', 2)
      : ['', object.apiVersion];
    if (group !== type.group || !type.versions.includes(v ?? '')) {
      throw badRequest(
        `the API version in the data (${object.apiVersion}) does not match the expected API version (${apiVersionOf(type.group, version ?? type.storageVersion)})`,
      );
    }
  }
}

/** New objects may only go into an existing namespace that is not being deleted. */
export function checkNamespaceWritable(store: ObjectStore, namespace: string): void {
  const ns = store.get('/namespaces', undefined, namespace);
  if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
  if (ns.metadata.deletionTimestamp) {
    throw forbidden(`unable to create new content in namespace ${namespace} because it is being terminated`);
  }
}

/** Defaulting and validation per kind (built-in rules, CRD schemas); returns field errors. */
export function admit(
  store: ObjectStore,
  type: ResourceType,
  object: KubeObject,
  old: KubeObject | undefined,
  options: WriteOptions,
  isCreate: boolean,
  serverVersion: ServerVersion,
): StatusCause[] {
  if (type.custom) {
    const version = options.version ?? type.storageVersion;
    const check = processCustomResource(type, version, object);
    if (check.unknownFields.length) {
      const mode = options.fieldValidation ?? 'Warn';
      if (mode === 'Strict') {
        const fields = check.unknownFields.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ');
        throw badRequest(
          `${type.kind} in version "${version}" cannot be handled as a ${type.kind}: strict decoding error: ${fields}`,
        );
      }
      if (mode === 'Warn')
        for (const f of check.unknownFields) options.warnings?.push(`unknown field ${JSON.stringify(f)}`);
    }
    return check.causes;
  }
  defaultBuiltin(type.id, object, isCreate);
  defaultWorkload(type.id, object);
  dropDisabledPodFields(type.id, object, old, serverVersion);
  if (type.id === 'apiextensions.k8s.io/customresourcedefinitions') {
    const causes = validateCrd(object);
    if (!causes.length) object.status = crdStatus(object);
    return causes;
  }
  if (type.id === '/pods' && isCreate) admitServiceAccount(store, object);
  return [...validateBuiltin(type.id, object, old), ...validateWorkload(type.id, object, old)];
}

/** The ServiceAccount admission plugin: a pod's service account must exist. */
function admitServiceAccount(store: ObjectStore, pod: KubeObject): void {
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const sa = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : 'default';
  const ns = pod.metadata.namespace ?? '';
  if (!store.get('/serviceaccounts', ns, sa)) {
    throw forbidden(
      `pods "${pod.metadata.name ?? ''}" is forbidden: error looking up service account ${ns}/${sa}: serviceaccount "${sa}" not found`,
    );
  }
}
