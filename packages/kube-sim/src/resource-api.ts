import { randomUUID } from 'node:crypto';
import { registerStoredCrds, registerWrittenCrd, unregisterDeletedCrd } from './crd-registration.js';
import {
  ApiError,
  STALE_OBJECT_MESSAGE,
  alreadyExists,
  badRequest,
  cause,
  conflict,
  invalid,
  notFound,
} from './errors.js';
import type { ListOptions, ListResult } from './list-pagination.js';
import { listObjects } from './list-pagination.js';
import { applyOwnership } from './managed-fields.js';
import { validateObjectMeta } from './metadata-validation.js';
import type { DeleteOptions, DeleteResult } from './object-deletion.js';
import { deleteObject } from './object-deletion.js';
import type { PatchType } from './patch.js';
import type { PatchOptions } from './patch-request.js';
import { applyPatchOfType, checkPatchRequest } from './patch-request.js';
import type { ResourceRegistry, ResourceType } from './resource-registry.js';
import { apiVersionOf, hasGeneration } from './resource-registry.js';
import { refOf } from './resource-ref.js';
import type { ObjectStore } from './store.js';
import type { KubeObject, ObjectMeta } from './types.js';
import { cloneJson, deepEqualJson, isPlainObject, nowRfc3339, objectKey } from './types.js';
import { mergeForUpdate } from './update-merge.js';
import type { WriteOptions } from './write-admission.js';
import { admit, checkKind, checkNamespaceWritable } from './write-admission.js';
import { DEFAULT_SERVER_VERSION, type ServerVersion } from './server-version.js';

export interface CreateOptions extends WriteOptions {
  /**
   * The body is the caller's to give away (just decoded from a request, or built for this call): it becomes
   * the stored object without a copy, and the caller must not touch it afterwards.
   */
  privateBody?: boolean;
}

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++)
    out += GENERATE_NAME_ALPHABET[Math.floor(Math.random() * GENERATE_NAME_ALPHABET.length)];
  return out;
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
    /** The Kubernetes version served: `/version`, and which pod fields admission drops. */
    readonly serverVersion: ServerVersion = DEFAULT_SERVER_VERSION,
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
    return listObjects(this.store, type, options, (object) => this.present(type, object, options.version));
  }

  create(
    type: ResourceType,
    namespace: string | undefined,
    body: unknown,
    options: CreateOptions = {},
    /** Set by server-side apply (managed-fields.ts); a client's own managedFields are dropped. */
    managedFields?: unknown,
  ): KubeObject {
    if (!isPlainObject(body)) throw badRequest('the body of the request was not a JSON object');
    const object = (options.privateBody ? body : cloneJson(body)) as KubeObject;
    checkKind(type, object, options.version);
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
      checkNamespaceWritable(this.store, namespace);
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
    if (managedFields !== undefined) meta.managedFields = managedFields;
    meta.uid = randomUUID();
    meta.creationTimestamp = nowRfc3339();
    if (hasGeneration(type)) meta.generation = 1;
    else delete meta.generation;
    if (type.hasStatusSubresource) delete object.status;
    const causes = admit(this.store, type, object, undefined, options, true, this.serverVersion);
    causes.push(...validateObjectMeta(type, object));
    if (causes.length) throw invalid(refOf(type), meta.name ?? '', causes);
    if (this.store.get(type.id, meta.namespace, meta.name ?? ''))
      throw alreadyExists(refOf(type), meta.name ?? '');
    if (options.dryRun) return this.present(type, object, options.version);
    const stored = this.store.create(type.id, object);
    registerWrittenCrd(this.registry, type, stored);
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
    // A status write keeps everything but the status from the stored object (mergeForUpdate): only the
    // status needs a private copy (the controllers' status writes send whole Jobs and pods).
    const incoming = (
      options.subresource === 'status' ? { ...body, status: cloneJson(body.status) } : cloneJson(body)
    ) as KubeObject;
    checkKind(type, incoming, options.version);
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
    return this.commitUpdate(type, old, mergeForUpdate(type, old, incoming, options.subresource), options);
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: unknown,
    options: PatchOptions = {},
  ): { object: KubeObject; created: boolean } {
    checkPatchRequest(type, patchType, options);
    const old = this.store.get(type.id, type.namespaced ? namespace : undefined, name);
    if (!old) {
      if (patchType === 'apply' && !options.subresource) {
        const body = isPlainObject(patch)
          ? { ...patch, metadata: { ...(isPlainObject(patch.metadata) ? patch.metadata : {}), name } }
          : patch;
        const owned = isPlainObject(body)
          ? applyOwnership(
              type,
              undefined,
              patch as Record<string, unknown>,
              body as KubeObject,
              options.fieldManager!,
              false,
            )
          : undefined;
        return {
          object: this.create(type, namespace, body, options, owned?.metadata.managedFields),
          created: true,
        };
      }
      throw notFound(refOf(type), name);
    }
    const current = this.present(type, old, options.version);
    const patched = applyPatchOfType(type, current, patchType, patch);
    if (!isPlainObject(patched)) throw badRequest('the patched object is not a JSON object');
    const next = cloneJson(patched) as KubeObject;
    const meta: ObjectMeta = isPlainObject(next.metadata) ? next.metadata : {};
    next.metadata = meta;
    if (meta.resourceVersion !== old.metadata.resourceVersion && meta.resourceVersion !== undefined) {
      throw conflict(refOf(type), name, STALE_OBJECT_MESSAGE);
    }
    if (meta.name !== name)
      throw badRequest(`metadata.name: Invalid value: "${String(meta.name)}": field is immutable`);
    let merged = mergeForUpdate(type, old, next, options.subresource);
    if (patchType === 'apply' && !options.subresource && isPlainObject(patch))
      merged = applyOwnership(type, current, patch, merged, options.fieldManager!, options.force ?? false);
    return { object: this.commitUpdate(type, old, merged, options), created: false };
  }

  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): DeleteResult {
    const old = this.get(type, namespace, name);
    return deleteObject(this.store, type, old, options, (object) => this.removeNow(type, object));
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

  private removeNow(type: ResourceType, object: KubeObject, final?: KubeObject): KubeObject {
    const deleted = this.store.delete(type.id, object, final) ?? object;
    unregisterDeletedCrd(this.store, this.registry, type, deleted);
    return deleted;
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
    const causes = admit(this.store, type, next, old, options, false, this.serverVersion);
    causes.push(...validateObjectMeta(type, next));
    if (causes.length) throw invalid(refOf(type), name, causes);
    const specOf = (o: KubeObject) => {
      const { metadata: _m, status, ...rest } = o;
      return type.hasStatusSubresource || !type.custom ? rest : { ...rest, status };
    };
    if (!hasGeneration(type)) delete next.metadata.generation;
    else if (!deepEqualJson(specOf(next), specOf(old)))
      next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (deepEqualJson(next, old)) return this.present(type, old, options.version);
    const finalizersDone = (next.metadata.finalizers ?? []).length === 0;
    const namespaceDone =
      type.id !== '/namespaces' ||
      !(isPlainObject(next.spec) && Array.isArray(next.spec.finalizers) && next.spec.finalizers.length > 0);
    if (options.dryRun) return this.present(type, next, options.version);
    // The update that releases the last finalizer is what the response and the DELETED event show.
    if (next.metadata.deletionTimestamp && finalizersDone && namespaceDone && type.id !== '/pods') {
      return this.present(type, this.removeNow(type, old, next), options.version);
    }
    if (
      type.id === '/pods' &&
      next.metadata.deletionTimestamp &&
      finalizersDone &&
      next.metadata.deletionGracePeriodSeconds === 0
    ) {
      return this.present(type, this.removeNow(type, old, next), options.version);
    }
    const stored = this.store.update(type.id, next);
    registerWrittenCrd(this.registry, type, stored);
    return this.present(type, stored, options.version);
  }

  /** Registers CRDs found in a loaded snapshot. */
  registerStoredCrds(): void {
    registerStoredCrds(this.store, this.registry);
  }

  keyOf(object: KubeObject): string {
    return objectKey(object.metadata.namespace, object.metadata.name ?? '');
  }
}
