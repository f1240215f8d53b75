import type { LeanCustomObjectsApi } from '@ambient-operator/shared';
import {
  CRD_GROUP,
  CRD_VERSION,
  PROJECT_SETTINGS_PLURAL,
  type ProjectSettingsStatus,
} from '@ambient-operator/shared';
import { mergePatch } from '../kube-ops.js';
import { sameJson } from './ownership.js';

/** The three status fields the operator owns (contract §1.2). */
export interface ProjectSettingsReadiness {
  groupBindingsCreated: number;
  scheduledSessionRBACReady: boolean;
  limitRangeReady: boolean;
}

/**
 * Writes the readiness through `/status` as a merge patch carrying the resourceVersion we read, so a spec
 * change in between makes it fail with 409 (the queue then reconciles again at once from a fresh read).
 * Skipped when nothing changed: a status write is a MODIFIED event, which would enqueue the namespace again.
 * Returns whether it wrote.
 */
export async function writeProjectSettingsStatus(input: {
  customObjects: LeanCustomObjectsApi;
  namespace: string;
  name: string;
  resourceVersion: string;
  current: ProjectSettingsStatus | undefined;
  wanted: ProjectSettingsReadiness;
}): Promise<boolean> {
  const { current, wanted } = input;
  const same =
    current !== undefined &&
    sameJson(
      {
        groupBindingsCreated: current.groupBindingsCreated,
        scheduledSessionRBACReady: current.scheduledSessionRBACReady,
        limitRangeReady: current.limitRangeReady,
      },
      wanted,
    );
  if (same) return false;
  await input.customObjects.patchNamespacedCustomObjectStatus(
    {
      group: CRD_GROUP,
      version: CRD_VERSION,
      plural: PROJECT_SETTINGS_PLURAL,
      namespace: input.namespace,
      name: input.name,
      body: { metadata: { resourceVersion: input.resourceVersion }, status: wanted },
    },
    mergePatch,
  );
  return true;
}
