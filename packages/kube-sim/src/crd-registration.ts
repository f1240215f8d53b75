import { crdToResourceType } from './custom-resources.js';
import type { ResourceRegistry, ResourceType } from './resource-registry.js';
import type { ObjectStore } from './store.js';
import type { KubeObject } from './types.js';

const CRD_TYPE_ID = 'apiextensions.k8s.io/customresourcedefinitions';

/** A stored CRD serves its resource at once (a built-in resource of the same name is never replaced). */
export function registerWrittenCrd(registry: ResourceRegistry, type: ResourceType, stored: KubeObject): void {
  if (type.id === CRD_TYPE_ID) {
    const defined = crdToResourceType(stored);
    const existing = registry.byGroupResource(defined.group, defined.plural);
    if (existing && !existing.custom) return;
    registry.add(defined);
  }
}

export function unregisterDeletedCrd(
  store: ObjectStore,
  registry: ResourceRegistry,
  type: ResourceType,
  deleted: KubeObject,
): void {
  if (type.id !== CRD_TYPE_ID) return;
  const defined = crdToResourceType(deleted);
  const existing = registry.byGroupResource(defined.group, defined.plural);
  if (!existing?.custom) return;
  // Deleting a CRD deletes every object it defined.
  for (const [, object] of [...store.iterate(existing.id)]) store.delete(existing.id, object);
  registry.remove(existing.id);
  store.dropResource(existing.id);
}

/** Registers CRDs found in a loaded snapshot. */
export function registerStoredCrds(store: ObjectStore, registry: ResourceRegistry): void {
  for (const [, crd] of store.iterate(CRD_TYPE_ID)) {
    registry.add(crdToResourceType(crd));
  }
}
