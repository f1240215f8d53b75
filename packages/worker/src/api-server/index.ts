export {
  API_MANAGED_BY_VALUE,
  API_PROJECT_ID_LABEL,
  API_SESSION_ID_LABEL,
  BOT_ACCOUNT_ANNOTATION,
  RESOURCE_OVERRIDES_ANNOTATION,
} from './api-labels.js';
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
