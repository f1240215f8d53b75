import { randomUUID } from 'node:crypto';
import { defaultBuiltin, validateBuiltin } from './builtin-admission.js';
import { defaultWorkload, validateWorkload } from './workload-admission.js';
import { crdStatus, crdToResourceType, processCustomResource, validateCrd } from './custom-resources.js';
import type { ResourceRef, StatusCause } from './errors.js';
import {
  ApiError,
  STALE_OBJECT_MESSAGE,
  alreadyExists,
  badRequest,
  cause,
  conflict,
  forbidden,
  invalid,
  notFound,
  unsupportedMediaType,
} from './errors.js';
import { validateObjectMeta } from './metadata-validation.js';
import type { PatchType } from './patch.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.js';
import type { ResourceRegistry, ResourceType } from './resource-registry.js';
import { apiVersionOf } from './resource-registry.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { ObjectStore } from './store.js';
import type { KubeObject, ObjectMeta } from './types.js';
import { cloneJson, deepEqualJson, isPlainObject, nowRfc3339, objectKey } from './types.js';

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

export interface PatchOptions extends WriteOptions {
  subresource?: 'status';
  fieldManager?: string;
  force?: boolean;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  version?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  orphanDependents?: boolean;
  dryRun?: boolean;
}

export interface DeleteResult {
  object: KubeObject;
  /** True when the object is gone; false when it waits for finalizers or a grace period. */
  deleted: boolean;
}

/** Default time a pod on a node takes to shut down, before the kubelet finishes deleting it. */
const DEFAULT_POD_GRACE_SECONDS = 30;

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++)
    out += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  return out;
}

export function refOf(type: ResourceType): ResourceRef {
  return { group: type.group, resource: type.plural, kind: type.kind };
}

function encodeContinue(rv: string, lastKey: string): string {
  return Buffer.from(JSON.stringify({ v: 'kube-sim/1', rv, start: lastKey })).toString('base64url');
}

function decodeContinue(token: string): { rv: string; start: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isPlainObject(parsed) && typeof parsed.rv === 'string' && typeof parsed.start === 'string') {
      return { rv: parsed.rv, start: parsed.start };
    }
  } catch {
    // fall through to the API server's error
  }
  throw badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

/**
 * The API server's verbs over the store: create, get, list, update, patch, delete with the semantics
 * clients rely on (resourceVersion preconditions, status subresource, generation, finalizers and
 * graceful deletion, CRD schemas, namespaces). The HTTP routes and the simulated controllers both
 * write through it.
 */
export class ResourceApi {
  constructor(
    readonly store: ObjectStore,
    readonly registry: ResourceRegistry,
  ) {}

  /** Returns a stored object in the API version the client asked for (no copy when it is the storage version). */
  present(type: ResourceType, object: KubeObject, version: string | undefined): KubeObject {
    if (!version || version === type.storageVersion) return object;
    return { ...object, apiVersion: apiVersionOf(type.group, version) };
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const object = this.store.get(type.id, type.namespaced ? namespace : undefined, name);
    if (!object) throw notFound(refOf(type), name);
    return object;
  }

  list(type: ResourceType, options: ListOptions): ListResult {
    const labels = parseLabelSelector(options.labelSelector);
    const extraFields = [...(type.custom?.versions.values() ?? [])].length ? [] : [];
    const fields = parseFieldSelector(options.fieldSelector, type.id, extraFields);
    let afterKey: string | undefined;
    let resourceVersion = String(this.store.resourceVersion);
    if (options.continue) {
      const token = decodeContinue(options.continue);
      afterKey = token.start;
      resourceVersion = token.rv;
    }
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const items: KubeObject[] = [];
    let lastKey: string | undefined;
    let more = false;
    const namespace = type.namespaced ? options.namespace : undefined;
    for (const [key, object] of this.store.iterate(type.id, namespace, afterKey)) {
      if (labels.length && !matchesLabels(labels, object.metadata.labels)) continue;
      if (fields.length && !matchesFields(fields, object)) continue;
      if (items.length >= limit) {
        more = true;
        break;
      }
      items.push(this.present(type, object, options.version));
      lastKey = key;
    }
    const result: ListResult = { items, resourceVersion };
    if (more && lastKey !== undefined) result.continue = encodeContinue(resourceVersion, lastKey);
    return result;
  }

  create(
    type: ResourceType,
    namespace: string | undefined,
    body: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    if (!isPlainObject(body)) throw badRequest('the body of the request was not a JSON object');
    const object = cloneJson(body) as KubeObject;
    this.checkKind(type, object, options.version);
    object.apiVersion = apiVersionOf(type.group, type.storageVersion);
    object.kind = type.kind;
    const incoming: ObjectMeta = isPlainObject(object.metadata) ? object.metadata : {};
    const meta: ObjectMeta = { ...incoming };
    object.metadata = meta;
    if (type.namespaced) {
      if (!namespace) throw badRequest('the server could not find the requested resource');
      if (meta.namespace && meta.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      meta.namespace = namespace;
      this.checkNamespaceWritable(namespace);
    } else {
      delete meta.namespace;
    }
    if (meta.resourceVersion) {
      throw badRequest('resourceVersion should not be set on objects to be created');
    }
    if (!meta.name && meta.generateName) {
      do meta.name = `${meta.generateName}${randomSuffix()}`;
      while (this.store.get(type.id, meta.namespace, meta.name));
    }
    for (const key of [
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'selfLink',
      'managedFields',
    ]) {
      delete meta[key];
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = nowRfc3339();
    meta.generation = 1;
    if (type.hasStatusSubresource) delete object.status;
    const causes = this.admit(type, object, undefined, options, true);
    causes.push(...validateObjectMeta(type, object));
    if (causes.length) throw invalid(refOf(type), meta.name ?? '', causes);
    if (this.store.get(type.id, meta.namespace, meta.name ?? ''))
      throw alreadyExists(refOf(type), meta.name ?? '');
    if (options.dryRun) return this.present(type, object, options.version);
    const stored = this.store.create(type.id, object);
    this.afterWrite(type, undefined, stored);
    return this.present(type, stored, options.version);
  }

  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: WriteOptions & { subresource?: 'status' } = {},
  ): KubeObject {
    if (!isPlainObject(body)) throw badRequest('the body of the request was not a JSON object');
    const old = this.get(type, namespace, name);
    const incoming = cloneJson(body) as KubeObject;
    this.checkKind(type, incoming, options.version);
    const meta: ObjectMeta = isPlainObject(incoming.metadata) ? incoming.metadata : {};
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(
        `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
      );
    }
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      if (meta.resourceVersion !== old.metadata.resourceVersion)
        throw conflict(refOf(type), name, STALE_OBJECT_MESSAGE);
    } else if (!type.allowUnconditionalUpdate) {
      throw invalid(refOf(type), name, [
        cause.invalid('metadata.resourceVersion', '0x0', 'must be specified for an update'),
      ]);
    }
    incoming.metadata = meta;
    return this.commitUpdate(
      type,
      old,
      this.mergeForUpdate(type, old, incoming, options.subresource),
      options,
    );
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: PatchOptions = {},
  ): { object: KubeObject; created: boolean } {
    if (patchType === 'strategic' && type.custom) {
      throw unsupportedMediaType(
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      );
    }
    if (patchType === 'apply' && !options.fieldManager) {
      throw new ApiError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        {
          group: 'meta.k8s.io',
          kind: 'PatchOptions',
          causes: [cause.required('fieldManager', 'is required for apply patch')],
        },
      );
    }
    const old = this.store.get(type.id, type.namespaced ? namespace : undefined, name);
    if (!old) {
      if (patchType === 'apply' && !options.subresource) {
        const body = isPlainObject(patch)
          ? { ...patch, metadata: { ...(isPlainObject(patch.metadata) ? patch.metadata : {}), name } }
          : patch;
        return { object: this.create(type, namespace, body, options), created: true };
      }
      throw notFound(refOf(type), name);
    }
    const current = this.present(type, old, options.version);
    let patched: unknown;
    switch (patchType) {
      case 'merge':
        patched = applyMergePatch(current, patch);
        break;
      case 'json':
        patched = applyJsonPatch(current, patch);
        break;
      case 'strategic':
        patched = applyStrategicMergePatch(current, patch, type.id);
        break;
      case 'apply':
        // Server-side apply without field ownership: the applied configuration is merged in.
        patched = type.custom
          ? applyMergePatch(current, patch)
          : applyStrategicMergePatch(current, patch, type.id);
        break;
    }
    if (!isPlainObject(patched)) throw badRequest('the patched object is not a JSON object');
    const next = cloneJson(patched) as KubeObject;
    const meta: ObjectMeta = isPlainObject(next.metadata) ? next.metadata : {};
    next.metadata = meta;
    if (meta.resourceVersion !== old.metadata.resourceVersion && meta.resourceVersion !== undefined) {
      throw conflict(refOf(type), name, STALE_OBJECT_MESSAGE);
    }
    if (meta.name !== name)
      throw badRequest(`metadata.name: Invalid value: "${String(meta.name)}": field is immutable`);
    return {
      object: this.commitUpdate(
        type,
        old,
        this.mergeForUpdate(type, old, next, options.subresource),
        options,
      ),
      created: false,
    };
  }

  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): DeleteResult {
    const old = this.get(type, namespace, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw conflict(
        refOf(type),
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid ?? ''}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(
        refOf(type),
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion ?? ''}`,
      );
    }
    const propagation =
      options.propagationPolicy ??
      (options.orphanDependents === true
        ? 'Orphan'
        : options.orphanDependents === false
          ? 'Background'
          : type.defaultPropagationPolicy);
    const finalizers = [...(old.metadata.finalizers ?? [])];
    const alreadyDeleting = old.metadata.deletionTimestamp !== undefined;
    if (!alreadyDeleting || options.propagationPolicy) {
      const without = (f: string) => {
        const i = finalizers.indexOf(f);
        if (i >= 0) finalizers.splice(i, 1);
      };
      if (propagation === 'Foreground') {
        without('orphan');
        if (!finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
      } else if (propagation === 'Orphan') {
        without('foregroundDeletion');
        if (!finalizers.includes('orphan')) finalizers.push('orphan');
      } else if (!alreadyDeleting) {
        without('orphan');
      }
    }
    const grace = this.gracePeriodSeconds(type, old, options.gracePeriodSeconds);
    const waitsForNamespaceContent = type.id === '/namespaces';
    if (finalizers.length === 0 && grace === 0 && !waitsForNamespaceContent) {
      if (options.dryRun) return { object: old, deleted: true };
      return { object: this.removeNow(type, old), deleted: true };
    }
    const now = new Date();
    const meta: ObjectMeta = { ...old.metadata, finalizers };
    if (finalizers.length === 0) delete meta.finalizers;
    if (!alreadyDeleting) {
      meta.deletionTimestamp = new Date(now.getTime() + grace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      meta.deletionGracePeriodSeconds = grace;
      meta.generation = (old.metadata.generation ?? 0) + 1;
    } else if (grace < (old.metadata.deletionGracePeriodSeconds ?? 0)) {
      // A later delete may only shorten the grace period.
      meta.deletionTimestamp = new Date(now.getTime() + grace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      meta.deletionGracePeriodSeconds = grace;
    }
    const next: KubeObject = { ...old, metadata: meta };
    if (type.id === '/namespaces')
      next.status = { ...(isPlainObject(old.status) ? old.status : {}), phase: 'Terminating' };
    if (options.dryRun) return { object: next, deleted: false };
    if (alreadyDeleting && grace === 0 && finalizers.length === 0 && !waitsForNamespaceContent) {
      return { object: this.removeNow(type, old), deleted: true };
    }
    if (
      deepEqualJson({ ...next.metadata, resourceVersion: '' }, { ...old.metadata, resourceVersion: '' }) &&
      deepEqualJson(next.status, old.status)
    ) {
      return { object: old, deleted: false };
    }
    return { object: this.store.update(type.id, next), deleted: false };
  }

  /** Deletes objects matching the selectors one by one (DELETE on a collection). */
  deleteCollection(type: ResourceType, listOptions: ListOptions, options: DeleteOptions): KubeObject[] {
    const { items } = this.list(type, { ...listOptions, limit: undefined, continue: undefined });
    const out: KubeObject[] = [];
    for (const item of items) {
      try {
        out.push(this.delete(type, item.metadata.namespace, item.metadata.name ?? '', options).object);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    return out;
  }

  private gracePeriodSeconds(type: ResourceType, object: KubeObject, requested: number | undefined): number {
    if (type.id !== '/pods') return 0;
    const spec = isPlainObject(object.spec) ? object.spec : {};
    const status = isPlainObject(object.status) ? object.status : {};
    // Unscheduled and finished pods have no kubelet to wait for: the API deletes them at once.
    if (!spec.nodeName || status.phase === 'Succeeded' || status.phase === 'Failed') return 0;
    if (requested !== undefined) return Math.max(0, requested);
    return typeof spec.terminationGracePeriodSeconds === 'number'
      ? spec.terminationGracePeriodSeconds
      : DEFAULT_POD_GRACE_SECONDS;
  }

  private removeNow(type: ResourceType, object: KubeObject): KubeObject {
    const deleted = this.store.delete(type.id, object) ?? object;
    this.afterDelete(type, deleted);
    return deleted;
  }

  private checkKind(type: ResourceType, object: KubeObject, version: string | undefined): void {
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

  private checkNamespaceWritable(namespace: string): void {
    const ns = this.store.get('/namespaces', undefined, namespace);
    if (!ns) throw notFound({ group: '', resource: 'namespaces' }, namespace);
    if (ns.metadata.deletionTimestamp) {
      throw forbidden(
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  /** Builds the object an update would store: system metadata from `old`, status per subresource rules. */
  private mergeForUpdate(
    type: ResourceType,
    old: KubeObject,
    incoming: KubeObject,
    subresource: 'status' | undefined,
  ): KubeObject {
    if (subresource === 'status') {
      const next: KubeObject = { ...old, metadata: { ...old.metadata } };
      if (incoming.status === undefined) delete next.status;
      else next.status = incoming.status;
      return next;
    }
    const meta: ObjectMeta = { ...incoming.metadata };
    for (const key of [
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
      'namespace',
      'name',
      'resourceVersion',
    ]) {
      if (old.metadata[key] === undefined) delete meta[key];
      else meta[key] = old.metadata[key];
    }
    delete meta.managedFields;
    delete meta.selfLink;
    if (meta.finalizers !== undefined && (!Array.isArray(meta.finalizers) || meta.finalizers.length === 0))
      delete meta.finalizers;
    const next: KubeObject = { ...incoming, apiVersion: old.apiVersion, kind: old.kind, metadata: meta };
    if (type.hasStatusSubresource) {
      if (old.status === undefined) delete next.status;
      else next.status = old.status;
    }
    return next;
  }

  private commitUpdate(
    type: ResourceType,
    old: KubeObject,
    next: KubeObject,
    options: WriteOptions,
  ): KubeObject {
    const name = old.metadata.name ?? '';
    if (old.metadata.deletionTimestamp) {
      const added = (next.metadata.finalizers ?? []).filter(
        (f) => !(old.metadata.finalizers ?? []).includes(f),
      );
      if (added.length) {
        throw invalid(refOf(type), name, [
          cause.forbidden(
            'metadata.finalizers',
            `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
          ),
        ]);
      }
    }
    const causes = this.admit(type, next, old, options, false);
    causes.push(...validateObjectMeta(type, next));
    if (causes.length) throw invalid(refOf(type), name, causes);
    const specOf = (o: KubeObject) => {
      const { metadata: _m, status, ...rest } = o;
      return type.hasStatusSubresource || !type.custom ? rest : { ...rest, status };
    };
    if (!deepEqualJson(specOf(next), specOf(old)))
      next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (deepEqualJson(next, old)) return this.present(type, old, options.version);
    const finalizersDone = (next.metadata.finalizers ?? []).length === 0;
    const namespaceDone =
      type.id !== '/namespaces' ||
      !(isPlainObject(next.spec) && Array.isArray(next.spec.finalizers) && next.spec.finalizers.length > 0);
    if (options.dryRun) return this.present(type, next, options.version);
    if (next.metadata.deletionTimestamp && finalizersDone && namespaceDone && type.id !== '/pods') {
      return this.present(type, this.removeNow(type, old), options.version);
    }
    if (
      type.id === '/pods' &&
      next.metadata.deletionTimestamp &&
      finalizersDone &&
      next.metadata.deletionGracePeriodSeconds === 0
    ) {
      return this.present(type, this.removeNow(type, old), options.version);
    }
    const stored = this.store.update(type.id, next);
    this.afterWrite(type, old, stored);
    return this.present(type, stored, options.version);
  }

  /** Defaulting and validation per kind (built-in rules, CRD schemas); returns field errors. */
  private admit(
    type: ResourceType,
    object: KubeObject,
    old: KubeObject | undefined,
    options: WriteOptions,
    isCreate: boolean,
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
    if (type.id === 'apiextensions.k8s.io/customresourcedefinitions') {
      const causes = validateCrd(object);
      if (!causes.length) object.status = crdStatus(object);
      return causes;
    }
    if (type.id === '/pods' && isCreate) this.admitServiceAccount(object);
    return [...validateBuiltin(type.id, object, old), ...validateWorkload(type.id, object, old)];
  }

  /** The ServiceAccount admission plugin: a pod's service account must exist. */
  private admitServiceAccount(pod: KubeObject): void {
    const spec = isPlainObject(pod.spec) ? pod.spec : {};
    const sa = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : 'default';
    const ns = pod.metadata.namespace ?? '';
    if (!this.store.get('/serviceaccounts', ns, sa)) {
      throw forbidden(
        `pods "${pod.metadata.name ?? ''}" is forbidden: error looking up service account ${ns}/${sa}: serviceaccount "${sa}" not found`,
      );
    }
  }

  private afterWrite(type: ResourceType, _old: KubeObject | undefined, stored: KubeObject): void {
    if (type.id === 'apiextensions.k8s.io/customresourcedefinitions') {
      const defined = crdToResourceType(stored);
      const existing = this.registry.byGroupResource(defined.group, defined.plural);
      if (existing && !existing.custom) return;
      this.registry.add(defined);
    }
  }

  private afterDelete(type: ResourceType, deleted: KubeObject): void {
    if (type.id !== 'apiextensions.k8s.io/customresourcedefinitions') return;
    const defined = crdToResourceType(deleted);
    const existing = this.registry.byGroupResource(defined.group, defined.plural);
    if (!existing?.custom) return;
    // Deleting a CRD deletes every object it defined.
    for (const [, object] of [...this.store.iterate(existing.id)]) this.store.delete(existing.id, object);
    this.registry.remove(existing.id);
    this.store.dropResource(existing.id);
  }

  /** Registers CRDs found in a loaded snapshot. */
  registerStoredCrds(): void {
    for (const [, crd] of this.store.iterate('apiextensions.k8s.io/customresourcedefinitions')) {
      this.registry.add(crdToResourceType(crd));
    }
  }

  keyOf(object: KubeObject): string {
    return objectKey(object.metadata.namespace, object.metadata.name ?? '');
  }
}
