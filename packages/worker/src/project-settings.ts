import {
  CRD_GROUP,
  CRD_VERSION,
  PROJECT_SETTINGS_NAME,
  PROJECT_SETTINGS_PLURAL,
  validateProjectSettings,
  type ProjectSettings,
} from '@ambient-operator/shared';
import { readOrNull } from './kube-ops.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * The namespace's `ProjectSettings/projectsettings`, live (upstream cached it for 5 min without eviction;
 * a read per Running wake-up is cheap and never stale). Missing or invalid → undefined (defaults apply).
 */
export async function readProjectSettings(
  deps: WorkerDeps,
  namespace: string,
): Promise<ProjectSettings | undefined> {
  return projectSettingsOf(deps, namespace, await readProjectSettingsObject(deps, namespace));
}

/** The object as the API server sent it; null when there is none. */
export function readProjectSettingsObject(deps: WorkerDeps, namespace: string): Promise<unknown> {
  return readOrNull(() =>
    deps.api.customObjects.getNamespacedCustomObject({
      group: CRD_GROUP,
      version: CRD_VERSION,
      plural: PROJECT_SETTINGS_PLURAL,
      namespace,
      name: PROJECT_SETTINGS_NAME,
    }),
  );
}

/** The settings of a ProjectSettings object (read, or a watch's), or undefined when absent or invalid. */
export function projectSettingsOf(
  deps: Pick<WorkerDeps, 'log'>,
  namespace: string,
  raw: unknown,
): ProjectSettings | undefined {
  if (raw === null || raw === undefined) return undefined;
  const result = validateProjectSettings(raw);
  if (!result.ok) {
    deps.log.warn({ namespace, issues: result.issues }, 'ProjectSettings fails validation; using defaults');
    return undefined;
  }
  return result.value;
}
