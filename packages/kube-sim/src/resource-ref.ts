import type { ResourceRef } from './errors.js';
import type { ResourceType } from './resource-registry.js';

/** How API errors name a resource type. */
export function refOf(type: ResourceType): ResourceRef {
  return { group: type.group, resource: type.plural, kind: type.kind };
}
