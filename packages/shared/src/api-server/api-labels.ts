/**
 * Labels and annotations tying cluster objects to ambient-api-server objects. The session-id label is
 * how the watcher maps an AgenticSession back to its API session (for the write-back).
 */

/** On an AgenticSession created from the API: the API session's id (a KSUID, a valid label value). */
export const API_SESSION_ID_LABEL = 'ambient-code.io/api-session-id';
/** On namespaces and sessions from the API: the project's id (= its name at creation). */
export const API_PROJECT_ID_LABEL = 'ambient-code.io/project-id';
/** `managed-by` value of namespaces and RoleBindings made from the API, as upstream's control plane. */
export const API_MANAGED_BY_VALUE = 'ambient-control-plane';
/** Our CRD has no `botAccount` field: the API's `bot_account_name` is kept here. */
export const BOT_ACCOUNT_ANNOTATION = 'ambient-code.io/bot-account';
/** Our CRD has no `resourceOverrides` field: the API's `resource_overrides` (JSON) is kept here. */
export const RESOURCE_OVERRIDES_ANNOTATION = 'ambient-code.io/resource-overrides';
