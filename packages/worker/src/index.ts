// The session worker: reconciles session keys from the queue against the Kubernetes API.
export { startWorker } from './start-worker.js';
export type { RunningWorker, WorkerOptions } from './start-worker.js';
export { reconcilers } from './reconcile/reconcilers.js';
export { sessionReconciler, RECONCILE_FAILED_CONDITION } from './reconcile/session-reconciler.js';
export { projectSettingsReconciler } from './reconcile/project-settings-reconciler.js';
export { runReconcileLoop, ReconcileFailure } from './reconcile/reconcile-loop.js';
export type { LoopSubject, Plan } from './reconcile/reconcile-loop.js';
export type {
  ReconcileRequest,
  ReconcileResult,
  ReconcileTransition,
  Reconciler,
  TerminalFailure,
} from './reconcile/reconciler.js';
export type { WorkerDeps } from './worker-deps.js';
export { observeSession } from './observe.js';
export { setSessionAnnotations, type AnnotationContext } from './session-annotations.js';
export { patchStatus, readStoredObject } from './stored-object.js';
export { observeRunner } from './observation-mapping.js';
export type { SessionReadings } from './observation-mapping.js';
export { executors } from './commands/index.js';
export { CommandFailedError } from './command-failure.js';
export { cachedJsonFile } from './cached-file.js';
export { createManagedNamespaces } from './managed-namespaces.js';
export { namespaceKey, runnerInputs, startWatchedInputs } from './watched-inputs.js';
export type { WatchedInput, WatchedInputs, WatchedInputsOptions } from './watched-inputs.js';
export type { ManagedNamespaces, ManagedNamespacesOptions } from './managed-namespaces.js';
export { clusterDnsRunnerResolver, createRunnerClient, repoNameFromUrl } from './runner-client.js';
export type {
  RepoRef,
  RunnerCallOutcome,
  RunnerClient,
  RunnerClientOptions,
  RunnerEndpoint,
  RunnerResolver,
  WorkflowRef,
} from './runner-client.js';
export {
  buildRunnerJob,
  buildRunnerService,
  parseAgentRegistry,
  parseModelsManifest,
  resolveRuntime,
} from './children/index.js';
export {
  DEFAULT_LIMIT_RANGE_NAME,
  GROUP_ACCESS_LABEL,
  SESSION_TRIGGER_NAME,
  SESSION_TRIGGER_VERBS,
  buildDefaultLimitRange,
  buildDefaultProjectSettings,
  buildGroupRoleBinding,
  buildSessionTriggerRole,
  buildSessionTriggerRoleBinding,
  buildSessionTriggerServiceAccount,
  ProjectSettingsStepsError,
  combineStepFailures,
  isControlledByProjectSettings,
  namespaceOfProjectSettingsKey,
  projectClusterRoleName,
  reconcileProjectSettings,
  wantsProjectSettings,
} from './project-settings/index.js';
export type {
  EnsureOutcome,
  ProjectSettingsDeps,
  ProjectSettingsReadiness,
  ProjectSettingsRef,
  ProjectSettingsReport,
  StepFailure,
} from './project-settings/index.js';
export {
  buildScheduledSession,
  displayNameWithRunTime,
  followUpRunInput,
  inClusterBackendUrl,
  latestSession,
  parseSessionTriggerEnv,
  runSessionTrigger,
  sanitizeRunName,
  scheduledRunName,
} from './session-trigger/index.js';
export type {
  ListedSession,
  SessionTemplate,
  SessionTriggerDeps,
  SessionTriggerResult,
  SessionTriggerSettings,
} from './session-trigger/index.js';
export {
  groupBindingName,
  invalidSessionWriteBack,
  mapSessionToCr,
  pendingPhaseRequest,
  planGroupBindings,
  projectNamespaceLabels,
  projectNamespaceName,
  statusWriteBack,
} from './api-server/index.js';
export type { GroupBindingsPlan, SessionCrPlan, SessionCrView, SessionMapping } from './api-server/index.js';
export { userDeploymentKind } from './user-deployment/reconcile-user-deployment.js';
export {
  CONFIG_MAP_NAME,
  desiredChildren,
  effectiveServices,
  ingressHost,
  withTag,
} from './user-deployment/desired-children.js';
export type {
  DesiredChildren,
  EffectiveService,
  UserDeploymentSettings,
} from './user-deployment/desired-children.js';
export { buildTaskJob, TASK_CONTAINER } from './scheduler/index.js';
export type { TaskJobInput } from './scheduler/index.js';
export { LocalRunners, decideLocal, exitPhase, freePort, runnerEnvironment } from './local-runner/index.js';
export type { LocalAction, LocalPhaseInput } from './local-runner/index.js';
