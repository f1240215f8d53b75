export { loadConfig } from './config.js';
export { API_TOKEN_MIN_LENGTH, OPERATOR_MODES } from './api-server-config.js';
export type { ApiServerConfig, LocalModeConfig, OperatorMode, PortRange } from './api-server-config.js';
export { currentAbortSignal, withAbortSignal, withCurrentSignal } from './abort-scope.js';
export type {
  BindAddress,
  ControllerConfig,
  HttpConfig,
  ImagePullPolicy,
  KubeClientConfig,
  KubeEnvName,
  LogLevel,
  LoggingConfig,
  NamespacesConfig,
  ObservabilityConfig,
  OperatorConfig,
  QueueConfig,
  RunnerConfig,
  RunnerSecurityProfile,
  StateSyncSidecarSetting,
  S3Config,
  UserDeploymentConfig,
  AgentTaskConfig,
  VertexConfig,
} from './config.js';
export {
  ConfigError,
  ConflictError,
  InvalidKeyError,
  KubeConfigError,
  OperatorError,
  RetryableError,
  TerminalError,
  apiErrorCode,
  apiErrorReason,
  apiErrorStatus,
  classifyError,
  isAlreadyExists,
  isConflict,
  isNotFound,
} from './errors.js';
export type { ApiStatus, ErrorClassification, ErrorCode, ErrorKind, OperatorErrorOptions } from './errors.js';
export {
  DNS1123_LABEL_MAX_LENGTH,
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  LABEL_VALUE_MAX_LENGTH,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isLabelValue,
  isPathSegmentName,
  isQualifiedName,
  runnerJobName,
  runnerRoleBindingName,
  runnerRoleName,
  runnerServiceAccountName,
  runnerTokenSecretName,
  serviceName,
  validateSessionName,
  userDeploymentNamespace,
} from './names.js';
export type { NameProblem } from './names.js';
export {
  BARE_KEY_KIND,
  KEY_KINDS,
  KEY_KIND_NAMES,
  WATCHED_KINDS,
  WATCHED_RESOURCES,
  formatKey,
  ignoresStatusOnly,
  ignoresWhileDeleting,
  isStatusOnlyChange,
  keysForEvent,
  namespaceOfKey,
  ownKeysOf,
  owningSessionName,
  parseKey,
  parseQueueKey,
  statusOnlyFingerprint,
  toKey,
  watchPath,
  watchedKindsOfKeyKinds,
} from './key-kinds.js';
export type {
  KeyKind,
  KeyKindSpec,
  KeyRef,
  KeyTrigger,
  OwnerName,
  SessionKey,
  SessionRef,
  StatusOnlyMeta,
  WatchedKind,
  WatchedObjectMeta,
  WatchedResourceSpec,
} from './key-kinds.js';
export {
  AGENTIC_SESSION_KIND,
  AGENTIC_SESSION_PLURAL,
  AGUI_TOKEN_KEY,
  APP_LABEL,
  APP_RUNNER,
  APP_RUNNER_SA,
  APP_RUNNER_TOKEN,
  APP_SERVICE,
  COPIED_FROM,
  CRD_API_VERSION,
  CRD_GROUP,
  CRD_VERSION,
  CREATED_BY_USER_ID,
  DEFAULT_RUNNER_PORT,
  DESIRED_PHASE,
  FORCE_EXECUTE_PROMPT,
  INTEGRATIONS_SECRET_NAME,
  K8S_TOKEN_KEY,
  LANGFUSE_SECRET_NAME,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  MANAGED_LABEL,
  MANAGED_LABEL_VALUE,
  MANAGED_NAMESPACE_SELECTOR,
  MLFLOW_SECRET_NAME,
  PARENT_SESSION_ID,
  PROJECT_SETTINGS_KIND,
  PROJECT_SETTINGS_NAME,
  PROJECT_SETTINGS_PLURAL,
  RUNNER_SA,
  RUNNER_SECRETS_NAME,
  RUNNER_SELECTOR,
  RUNNER_TOKEN_SECRET,
  SCHEDULED_RUN,
  SCHEDULED_SESSION_NAME,
  SESSION_LABEL,
  START_REQUESTED_AT,
  STOP_REASON,
  STOP_REQUESTED_AT,
  TOKEN_REFRESHED_AT,
  VERTEX_SECRET_NAME,
  runnerPodSelector,
} from './constants.js';
export {
  EXTERNAL_SECRETS_GROUP,
  EXTERNAL_SECRETS_PLURAL,
  EXTERNAL_SECRETS_VERSION,
  SCHEDULER_API_VERSION,
  SCHEDULER_GROUP,
  SCHEDULER_VERSION,
  USER_DEPLOYMENT_FINALIZER,
  USER_DEPLOYMENT_INGRESS_CLASS,
  USER_DEPLOYMENT_KIND,
  USER_DEPLOYMENT_LABEL,
  USER_DEPLOYMENT_NAMESPACE_LABEL,
  USER_DEPLOYMENT_PLURAL,
  USER_DEPLOYMENT_SERVICE_LABEL,
  USER_DEPLOYMENT_SPEC_HASH,
  USER_DEPLOYMENT_TEMPLATE_KEY,
  USER_DEPLOYMENT_TEMPLATE_LABEL,
} from './constants.js';

// queue
export { computeBackoffMs, defaultBackoff, type BackoffOptions } from './queue/backoff.js';
export {
  closeRedis,
  defaultRedisUrl,
  openRedis,
  pingRedis,
  type OpenRedisOptions,
  type RedisClient,
  type RedisConnection,
  type RedisNodeAddress,
  type RedisTarget,
} from './queue/redis-connection.js';
export {
  bullDedupKeys,
  reconcileDedupId,
  reconcileJobName,
  resyncPriority,
  type JobData,
  type QueueIdentity,
} from './queue/queue-keys.js';
export {
  classifyReconcileError,
  HandledReconcileError,
  type ReconcileErrorKind,
  type ReconcileOutcome,
  type ReconcileResult,
} from './queue/reconcile-outcome.js';
export {
  createSessionQueue,
  type EnqueueManyResult,
  type EnqueueOptions,
  type EnqueuePriority,
  type EnqueueResult,
  type KeyJobs,
  type QueueCounts,
  type SessionQueue,
  type SessionQueueOptions,
} from './queue/session-queue.js';
export {
  createSessionPhaseIndex,
  type SessionPhaseIndex,
  type SessionPhaseIndexOptions,
} from './queue/session-phase-index.js';
export {
  LockLostError,
  ReconcileTimeoutError,
  startQueueWorker,
  type QueueWorker,
  type QueueWorkerOptions,
  type RateLimit,
  type ReconcileContext,
  type ReconcileReport,
} from './queue/queue-worker.js';
export {
  SESSION_PHASES,
  STOPPED_REASONS,
  CONDITION_STATUSES,
  ADDITIVE_STATUS_FIELDS,
  PHASE_HISTORY_MAX_ITEMS,
  agenticSessionSchema,
  agenticSessionSpecSchema,
  agenticSessionStatusSchema,
  sessionConditionSchema,
  phaseHistoryEntrySchema,
  validateAgenticSession,
} from './schemas/agentic-session.js';
export type {
  ActiveWorkflow,
  AgenticSession,
  AgenticSessionInput,
  AgenticSessionSpec,
  AgenticSessionStatus,
  ConditionStatus,
  LlmSettings,
  PhaseHistoryEntry,
  ReconciledRepo,
  ReconciledWorkflow,
  RepoSpec,
  SessionCondition,
  SessionPhase,
  StoppedReason,
  StoredAgenticSession,
  UserContext,
} from './schemas/agentic-session.js';
export {
  GROUP_ACCESS_ROLES,
  projectSettingsSchema,
  projectSettingsSpecSchema,
  validateProjectSettings,
} from './schemas/project-settings.js';
export type {
  GroupAccess,
  GroupAccessRole,
  ProjectRepository,
  ProjectSettings,
  ProjectSettingsInput,
  ProjectSettingsSpec,
  ProjectSettingsStatus,
} from './schemas/project-settings.js';
export {
  EXPOSURES,
  USER_DEPLOYMENT_DESIRED_STATES,
  USER_DEPLOYMENT_PHASES,
  userDeploymentSchema,
  userDeploymentSpecSchema,
  userDeploymentStatusSchema,
  userDeploymentTemplateSchema,
  validateUserDeployment,
  validateUserDeploymentTemplate,
} from './schemas/user-deployment.js';
export type {
  Exposure,
  ServiceOverride,
  TemplateService,
  UserDeployment,
  UserDeploymentCondition,
  UserDeploymentDesiredState,
  UserDeploymentPhase,
  UserDeploymentSecret,
  UserDeploymentServiceStatus,
  UserDeploymentSpec,
  UserDeploymentStatus,
  UserDeploymentTemplate,
  UserDeploymentUrl,
} from './schemas/user-deployment.js';
export { objectMetaSchema, ownerReferenceSchema, storedObjectMetaSchema } from './schemas/object-meta.js';
export type { ObjectMeta, OwnerReference, StoredObjectMeta } from './schemas/object-meta.js';
export type { McpServers } from './schemas/mcp-servers.js';
export { describeValidationIssues, formatFieldPath } from './schemas/validation.js';
export type { ValidationIssue, ValidationResult } from './schemas/validation.js';
export {
  DEFAULT_SERVICE_ACCOUNT_DIR,
  SharedAgentKubeConfig,
  createKubeConfig,
  makeApiClients,
} from './k8s-client.js';
export type { ApiClients, CreateKubeConfigOptions, SharedAgentOptions } from './k8s-client.js';
export {
  KubeApiError,
  KubeRest,
  jsonPatch,
  makeKubeClients,
  mergePatch,
  microTime,
  strategicMergePatch,
} from './kube-rest.js';
export type {
  CallOptions,
  KubeClients,
  KubeRestOptions,
  LeanAppsV1Api,
  LeanBatchV1Api,
  LeanCoreV1Api,
  LeanCustomObjectsApi,
  LeanEventsV1Api,
  LeanNetworkingV1Api,
  LeanRbacAuthorizationV1Api,
  Wire,
  WireIn,
} from './kube-rest.js';
export { REDACTED, SECRET_ENV_NAME, SECRET_KEYS, createLogger } from './logger.js';
export type { CreateLoggerOptions, Logger } from './logger.js';
export {
  BUCKETS,
  QUEUE_STATES,
  RECONCILE_OUTCOMES,
  SESSION_STAGES,
  createOperatorMetrics,
  createQueueGauges,
  initKnownLabels,
} from './metrics.js';
export type {
  KnownLabels,
  OperatorMetrics,
  OperatorMetricsOptions,
  PhaseStats,
  QueueState,
  QueueStats,
  ReconcileOutcomeLabel,
  SessionStage,
} from './metrics.js';
export { createEventRecorder, eventName } from './event-recorder.js';
export type { EventObjectRef, EventRecorder, EventRecorderOptions, EventToRecord } from './event-recorder.js';
export {
  METADATA_LIST_ACCEPT,
  METADATA_WATCH_ACCEPT,
  getObjectMetadata,
  kubeGet,
  readBody,
} from './kube-metadata.js';
export type { KubeGetOptions, MetadataGetOptions, ObjectMetadata } from './kube-metadata.js';
export { WatchError, continueTokenOfStart, isJsonObject, startListWatch } from './list-watch.js';
export type {
  ListPage,
  ListWatch,
  ListWatchCodec,
  ListWatchOptions,
  ListWatchState,
  RestartReason,
  WatchErrorKind,
  WatchEvent,
  WatchEventType,
} from './list-watch.js';
export { startHttpServer, startOperatorEndpoints } from './http-server.js';
export { exitOnSignals } from './shutdown.js';
export type {
  OperatorEndpoints,
  OperatorEndpointsOptions,
  OperatorHttpServer,
  OperatorHttpServerOptions,
  ProbeCheck,
  Readiness,
} from './http-server.js';

// The scheduler kinds (AgentTask, Workflow).
export {
  AGENT_TASK_KIND,
  AGENT_TASK_LABEL,
  AGENT_TASK_PLURAL,
  WORKFLOW_KIND,
  WORKFLOW_LABEL,
  WORKFLOW_PLURAL,
  WORKFLOW_STEP_LABEL,
} from './constants.js';
export {
  AGENT_TASK_PHASES,
  DEFAULT_TASK_TIMEOUT_SECONDS,
  TASK_LIMITS,
  agentTaskSchema,
  agentTaskSpecSchema,
  agentTaskStatusSchema,
  schedulerConditionSchema,
  validateAgentTask,
} from './schemas/agent-task.js';
export type {
  AgentTask,
  AgentTaskInput,
  AgentTaskPhase,
  AgentTaskSpec,
  AgentTaskSpecInput,
  AgentTaskStatus,
  SchedulerCondition,
} from './schemas/agent-task.js';
export {
  STEP_REFERENCE_TEXT_PATTERN,
  WORKFLOW_MAX_STEPS,
  WORKFLOW_PHASES,
  validateWorkflow,
  workflowSchema,
  workflowSpecSchema,
  workflowStatusSchema,
} from './schemas/workflow.js';
export type {
  Workflow,
  WorkflowInput,
  WorkflowPhase,
  WorkflowSpec,
  WorkflowStatus,
  WorkflowStep,
  WorkflowStepStatus,
} from './schemas/workflow.js';
export {
  AGENT_TASK_NAME_MAX_LENGTH,
  taskJobName,
  validateAgentTaskName,
  workflowTaskName,
} from './scheduler-names.js';

// ambient-api-server (issue 16)
export {
  API_KEY_PREFIXES,
  API_MANAGED_BY_VALUE,
  API_PROJECT_ID_LABEL,
  API_SESSION_ID_LABEL,
  BOT_ACCOUNT_ANNOTATION,
  RESOURCE_OVERRIDES_ANNOTATION,
  AmbientApiClient,
  apiKey,
  apiObjectSchema,
  isApiKey,
  parseApiKey,
} from './api-server/index.js';
export type { ApiClientOptions, ApiKeyResource, ApiObjects, ListResult } from './api-server/index.js';
