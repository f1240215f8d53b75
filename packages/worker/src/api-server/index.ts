export { mapSessionToCr, sessionCrName, sessionNamespace } from './session-mapping.js';
export type { SessionCrPlan, SessionMapping } from './session-mapping.js';
export {
  INVALID_SPEC_CONDITION,
  invalidSessionWriteBack,
  pendingPhaseRequest,
  statusWriteBack,
} from './status-write-back.js';
export type { SessionCrView } from './status-write-back.js';
export {
  groupBindingName,
  isValidProjectNamespace,
  planGroupBindings,
  projectNamespaceLabels,
  projectNamespaceName,
} from './project-mapping.js';
export type { GroupAccessEntry, GroupBindingsPlan } from './project-mapping.js';
export type { ApiReconcileDeps } from './api-deps.js';
export { reconcileApiSession } from './reconcile-api-session.js';
export { ensureProjectNamespace, reconcileApiProject } from './reconcile-api-project.js';
export { reconcileApiProjectSettings } from './reconcile-api-project-settings.js';
