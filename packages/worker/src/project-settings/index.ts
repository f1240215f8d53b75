// The ProjectSettings reconciler: keys `ps:<namespace>` from the shared queue (contract §8.1–8.2).
export { reconcileProjectSettings } from './reconcile-project-settings.js';
export type { ProjectSettingsDeps, ProjectSettingsReport } from './reconcile-project-settings.js';
export { namespaceOfProjectSettingsKey } from './project-settings-key.js';
export { buildDefaultProjectSettings, wantsProjectSettings } from './default-project-settings.js';
export {
  GROUP_ACCESS_LABEL,
  GROUP_ACCESS_LABELS,
  buildGroupRoleBinding,
  groupRoleBindingName,
  projectClusterRoleName,
} from './group-role-bindings.js';
export {
  SESSION_TRIGGER_NAME,
  SESSION_TRIGGER_VERBS,
  buildSessionTriggerRole,
  buildSessionTriggerRoleBinding,
  buildSessionTriggerServiceAccount,
} from './session-trigger-rbac.js';
export {
  DEFAULT_CONTAINER_LIMITS,
  DEFAULT_LIMIT_RANGE_NAME,
  buildDefaultLimitRange,
} from './default-limit-range.js';
export { ProjectSettingsStepsError, combineStepFailures } from './step-failures.js';
export type { StepFailure } from './step-failures.js';
export { isControlledByProjectSettings, projectSettingsOwnerReference } from './ownership.js';
export type { ProjectSettingsRef } from './ownership.js';
export type { ProjectSettingsReadiness } from './project-settings-status.js';
export type { EnsureOutcome } from './ensure-owned.js';
