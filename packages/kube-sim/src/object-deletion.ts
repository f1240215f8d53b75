import { conflict } from './errors.js';
import { hasGeneration, type ResourceType } from './resource-registry.js';
import { refOf } from './resource-ref.js';
import type { ObjectStore } from './store.js';
import type { KubeObject, ObjectMeta } from './types.js';
import { deepEqualJson, isPlainObject } from './types.js';

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

/**
 * DELETE of one object: preconditions, the propagation policy as `orphan`/`foregroundDeletion`
 * finalizers, and the grace period of pods on a node. The object is removed (through `removeNow`)
 * when nothing holds it; otherwise it is marked with a deletionTimestamp.
 */
export function deleteObject(
  store: ObjectStore,
  type: ResourceType,
  old: KubeObject,
  options: DeleteOptions,
  removeNow: (object: KubeObject) => KubeObject,
): DeleteResult {
  const name = old.metadata.name ?? '';
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
  const grace = gracePeriodSeconds(type, old, options.gracePeriodSeconds);
  const waitsForNamespaceContent = type.id === '/namespaces';
  if (finalizers.length === 0 && grace === 0 && !waitsForNamespaceContent) {
    if (options.dryRun) return { object: old, deleted: true };
    return { object: removeNow(old), deleted: true };
  }
  const now = new Date();
  const meta: ObjectMeta = { ...old.metadata, finalizers };
  if (finalizers.length === 0) delete meta.finalizers;
  if (!alreadyDeleting) {
    meta.deletionTimestamp = new Date(now.getTime() + grace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    // The namespace registry marks a namespace Terminating without a grace period.
    if (type.id !== '/namespaces') meta.deletionGracePeriodSeconds = grace;
    if (hasGeneration(type)) meta.generation = (old.metadata.generation ?? 0) + 1;
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
    return { object: removeNow(old), deleted: true };
  }
  if (
    deepEqualJson({ ...next.metadata, resourceVersion: '' }, { ...old.metadata, resourceVersion: '' }) &&
    deepEqualJson(next.status, old.status)
  ) {
    return { object: old, deleted: false };
  }
  return { object: store.update(type.id, next), deleted: false };
}

function gracePeriodSeconds(type: ResourceType, object: KubeObject, requested: number | undefined): number {
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
