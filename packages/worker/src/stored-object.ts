import { z } from 'zod';
import { storedObjectMetaSchema, type StoredObjectMeta } from '@ambient-operator/shared';
import { mergePatch, readOrNull } from './kube-ops.js';
import type { WorkerDeps } from './worker-deps.js';

/** Where a custom resource kind is served. */
export interface CustomResourceApi {
  group: string;
  version: string;
  plural: string;
}

/** What every reconcile needs of its object, even one whose spec fails validation: the object as read, its identity. */
export interface StoredObject {
  raw: unknown;
  metadata: StoredObjectMeta;
}

const storedObjectSchema = z.object({ metadata: storedObjectMetaSchema });

/** Live GET of a namespaced custom object (the worker keeps no cache); null when it is gone. */
export async function readStoredObject(
  deps: Pick<WorkerDeps, 'api'>,
  api: CustomResourceApi,
  ref: { namespace: string; name: string },
): Promise<StoredObject | null> {
  const raw: unknown = await readOrNull(() =>
    deps.api.customObjects.getNamespacedCustomObject({ ...api, namespace: ref.namespace, name: ref.name }),
  );
  if (raw === null) return null;
  return { raw, metadata: storedObjectSchema.parse(raw).metadata };
}

/**
 * A `/status` merge patch with the read resourceVersion as precondition: a concurrent writer makes it fail with 409,
 * and it is never retried blindly. An empty patch writes nothing. Returns the resourceVersion after the write.
 */
export async function patchStatus(
  deps: Pick<WorkerDeps, 'api'>,
  api: CustomResourceApi,
  metadata: Pick<StoredObjectMeta, 'namespace' | 'name' | 'resourceVersion'>,
  patch: object,
): Promise<string> {
  const { namespace, name, resourceVersion } = metadata;
  if (Object.keys(patch).length === 0) return resourceVersion;
  const updated: unknown = await deps.api.customObjects.patchNamespacedCustomObjectStatus(
    { ...api, namespace, name, body: { metadata: { resourceVersion }, status: patch } },
    mergePatch,
  );
  return resourceVersionOf(updated) ?? resourceVersion;
}

/** The resourceVersion of an object an API call returned, if it has one. */
export function resourceVersionOf(object: unknown): string | undefined {
  if (typeof object !== 'object' || object === null || !('metadata' in object)) return undefined;
  const { metadata } = object;
  if (typeof metadata !== 'object' || metadata === null || !('resourceVersion' in metadata)) return undefined;
  return typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : undefined;
}
