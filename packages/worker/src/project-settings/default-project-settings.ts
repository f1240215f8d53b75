import type { V1Namespace } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import type { LeanCustomObjectsApi } from '@ambient-operator/shared';
import {
  ConflictError,
  CRD_API_VERSION,
  CRD_GROUP,
  CRD_VERSION,
  MANAGED_LABEL,
  MANAGED_LABEL_VALUE,
  PROJECT_SETTINGS_KIND,
  PROJECT_SETTINGS_NAME,
  PROJECT_SETTINGS_PLURAL,
} from '@ambient-operator/shared';
import { createIfAbsent } from '../kube-ops.js';

// Contract §8.1: every namespace labelled `ambient-code.io/managed=true` gets its singleton ProjectSettings.
// Removing the label or deleting the ProjectSettings later is not undone by anything else here (as upstream):
// a managed namespace whose ProjectSettings is deleted gets a fresh default one on the next reconcile.

/** Whether the namespace asks for a ProjectSettings: labelled managed and not being deleted. */
export function wantsProjectSettings(namespace: Wire<V1Namespace> | null): boolean {
  return (
    namespace !== null &&
    namespace.metadata?.labels?.[MANAGED_LABEL] === MANAGED_LABEL_VALUE &&
    namespace.metadata.deletionTimestamp === undefined &&
    namespace.status?.phase !== 'Terminating'
  );
}

/** The ProjectSettings a managed namespace starts with; API defaulting fills the rest (inactivityTimeoutSeconds). */
export function buildDefaultProjectSettings(namespace: string) {
  return {
    apiVersion: CRD_API_VERSION,
    kind: PROJECT_SETTINGS_KIND,
    metadata: { name: PROJECT_SETTINGS_NAME, namespace },
    spec: { groupAccess: [] },
  };
}

/** Creates the default ProjectSettings and returns the created object (with its uid and defaults). */
export async function createDefaultProjectSettings(
  customObjects: LeanCustomObjectsApi,
  namespace: string,
): Promise<unknown> {
  let created: unknown;
  const fresh = await createIfAbsent(async () => {
    created = await customObjects.createNamespacedCustomObject({
      group: CRD_GROUP,
      version: CRD_VERSION,
      plural: PROJECT_SETTINGS_PLURAL,
      namespace,
      body: buildDefaultProjectSettings(namespace),
    });
  });
  // Someone (the backend, a user) created it since our read: reconcile theirs from a fresh read.
  if (!fresh)
    throw new ConflictError(`ProjectSettings ${namespace} appeared while we created it`, 'ALREADY_EXISTS');
  return created;
}
