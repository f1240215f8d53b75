import { isDeepStrictEqual } from 'node:util';
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import {
  CRD_API_VERSION,
  CRD_GROUP,
  MANAGED_LABEL,
  MANAGED_LABEL_VALUE,
  PROJECT_SETTINGS_KIND,
  PROJECT_SETTINGS_NAME,
} from '@ambient-operator/shared';

// What makes an object "ours": a controller ownerReference to the namespace's ProjectSettings. The uid
// is not part of the test, so objects created for an earlier ProjectSettings of the same namespace (deleted
// and re-created, or created by the upstream Go operator, which sets the same reference) are taken over
// instead of left to the garbage collector with no event to bring them back.

/** The ProjectSettings identity children point at. */
export interface ProjectSettingsRef {
  namespace: string;
  name: string;
  uid: string;
}

/** Label every child carries (upstream vocabulary: `ambient-code.io/managed=true`). */
export const MANAGED_LABELS: Readonly<Record<string, string>> = { [MANAGED_LABEL]: MANAGED_LABEL_VALUE };

/** Controller reference to the ProjectSettings; no blockOwnerDeletion (deleting the PS never waits on them). */
export function projectSettingsOwnerReference(owner: ProjectSettingsRef): Wire<V1OwnerReference> {
  return {
    apiVersion: CRD_API_VERSION,
    kind: PROJECT_SETTINGS_KIND,
    name: owner.name,
    uid: owner.uid,
    controller: true,
  };
}

function isProjectSettingsController(ref: Wire<V1OwnerReference>): boolean {
  return (
    ref.controller === true &&
    ref.kind === PROJECT_SETTINGS_KIND &&
    ref.name === PROJECT_SETTINGS_NAME &&
    ref.apiVersion.split('/')[0] === CRD_GROUP
  );
}

/** Whether the object's controller is a ProjectSettings of its namespace (this one or an earlier one). */
export function isControlledByProjectSettings(metadata: Wire<V1ObjectMeta> | undefined): boolean {
  return metadata?.ownerReferences?.some(isProjectSettingsController) ?? false;
}

/**
 * `actual`'s metadata with our labels added and its controller reference pointing at `owner`; other
 * labels, annotations and non-controller owners are kept.
 */
export function adoptedMetadata(
  actual: Wire<V1ObjectMeta>,
  labels: Readonly<Record<string, string>>,
  owner: ProjectSettingsRef,
): Wire<V1ObjectMeta> {
  const others = (actual.ownerReferences ?? []).filter((r) => r.controller !== true);
  return {
    ...actual,
    labels: { ...actual.labels, ...labels },
    ownerReferences: [...others, projectSettingsOwnerReference(owner)],
  };
}

/** Whether `actual` already carries our labels and a controller reference to exactly `owner`. */
export function metadataConverged(
  actual: Wire<V1ObjectMeta>,
  labels: Readonly<Record<string, string>>,
  owner: ProjectSettingsRef,
): boolean {
  const labelsPresent = Object.entries(labels).every(([k, v]) => actual.labels?.[k] === v);
  const controller = actual.ownerReferences?.find((r) => r.controller === true);
  return (
    labelsPresent &&
    controller !== undefined &&
    sameJson(controller, projectSettingsOwnerReference(owner)) &&
    controller.blockOwnerDeletion === undefined
  );
}

/**
 * Deep equality of what the API would serialize: client-node returns class instances (with `undefined`
 * fields), our builders plain objects, so both go through JSON first.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(toJson(a), toJson(b));
}

function toJson(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}
