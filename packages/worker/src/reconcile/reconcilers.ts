import type { KeyKind } from '@ambient-operator/shared';
import {
  apiProjectReconciler,
  apiProjectSettingsReconciler,
  apiSessionReconciler,
} from './api-server-reconciler.js';
import { projectSettingsReconciler } from './project-settings-reconciler.js';
import { agentTaskReconciler, workflowReconciler } from './scheduler-reconcilers.js';
import { userDeploymentReconciler } from './user-deployment-reconciler.js';
import type { Reconciler } from './reconciler.js';
import { sessionReconciler } from './session-reconciler.js';

/**
 * The reconciler of each key kind of shared's KEY_KINDS (controller-runtime's controller registration). The mapped
 * type makes a kind without a reconciler a compile error. See docs/adding-a-key-kind.md.
 */
export const reconcilers: { [K in KeyKind]: Reconciler<K> } = {
  'api-session': apiSessionReconciler,
  'api-project': apiProjectReconciler,
  'api-ps': apiProjectSettingsReconciler,
  ps: projectSettingsReconciler,
  task: agentTaskReconciler,
  workflow: workflowReconciler,
  ud: userDeploymentReconciler,
  session: sessionReconciler,
};
