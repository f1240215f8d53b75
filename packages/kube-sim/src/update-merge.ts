import type { ResourceType } from './resource-registry.js';
import type { KubeObject, ObjectMeta } from './types.js';

/**
 * Builds the object an update would store: system metadata from `old`, status per subresource rules
 * (a status write changes only status; a main-resource write keeps the old status when the type has
 * a status subresource).
 */
export function mergeForUpdate(
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
    // Field ownership changes only by apply (managed-fields.ts), whatever an update sends.
    'managedFields',
  ]) {
    if (old.metadata[key] === undefined) delete meta[key];
    else meta[key] = old.metadata[key];
  }
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
