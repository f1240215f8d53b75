import type { PatchType } from './patch.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.js';
import { ApiError, cause, unsupportedMediaType } from './errors.js';
import type { ResourceType } from './resource-registry.js';
import type { KubeObject } from './types.js';
import type { WriteOptions } from './write-admission.js';

export interface PatchOptions extends WriteOptions {
  subresource?: 'status';
  fieldManager?: string;
  force?: boolean;
}

/** Rejects what the API server rejects before reading the object: strategic patches of custom resources, apply without a field manager. */
export function checkPatchRequest(type: ResourceType, patchType: PatchType, options: PatchOptions): void {
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
}

/** Applies a patch of the given type to the object as the client sees it. */
export function applyPatchOfType(
  type: ResourceType,
  current: KubeObject,
  patchType: PatchType,
  patch: unknown,
): unknown {
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
  return patched;
}
