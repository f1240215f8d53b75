// Pure builders of the Kubernetes objects the worker creates for a session (no I/O).
export {
  DEFAULT_RUNNER_TYPE,
  forcesPromptExecution,
  parentSessionIdOf,
  runnerTypeOf,
  sessionOwnerReference,
} from './agentic-session.js';
export { ChildInputError } from './errors.js';
export type { ChildInputErrorReason } from './errors.js';
export { CONTAINER_NAMES, PLATFORM_NAMES, RUNNER_LABELS, runnerCredentialsSecretName } from './names.js';
export {
  DEFAULT_RUNNER_RESOURCES,
  DEFAULT_STATE_DIR,
  DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
  DEFAULT_WORKSPACE_SIZE,
  agentRegistryEntrySchema,
  agentRegistrySchema,
  isValidQuantity,
  loadAgentRegistry,
  parseAgentRegistry,
  resolveRuntime,
  resolveStateDir,
  runnerPortsOf,
} from './agent-registry.js';
export type {
  AgentRegistry,
  AgentRegistryEntry,
  LoadedAgentRegistry,
  ResolvedRuntime,
  RuntimeComponents,
  RuntimeResources,
} from './agent-registry.js';
export {
  loadModelsManifest,
  modelsManifestSchema,
  parseModelsManifest,
  resolveVertexModelId,
} from './models-manifest.js';
export type { LoadedModelsManifest, ModelsManifest } from './models-manifest.js';
export { problemsConcerning } from './config-problems.js';
export type { ConfigFileProblem } from './config-problems.js';
export { needsMinioCredentials, resolveS3Config } from './s3-config.js';
export type { ResolvedS3Config, S3Defaults, S3Observation } from './s3-config.js';
export { decodeSecretData, encodeSecretData } from './secret-data.js';
export { DEFAULT_CLUSTER_CAPABILITIES } from './runner-input.js';
export type {
  RunnerBuildInput,
  RunnerClusterCapabilities,
  RunnerClusterFacts,
  RunnerOperatorConfig,
  StateSyncSidecarMode,
} from './runner-input.js';
export {
  CREDENTIAL_ENV_NAMES,
  DEFAULT_LLM_MAX_TOKENS,
  DEFAULT_LLM_MODEL,
  DEFAULT_LLM_TEMPERATURE,
  DEFAULT_SESSION_TIMEOUT_SECONDS,
  backendApiUrl,
  buildInitEnv,
  buildRunnerEnv,
  buildStateSyncEnv,
  formatTemperature,
} from './runner-env.js';
export type { CredentialEnvName } from './runner-env.js';
export {
  PROTECTED_RUNNER_ENV_NAMES,
  appendMissingEnv,
  canonicalJson,
  envFromMap,
  plainEnv,
  replaceOrAppendEnv,
  secretEnv,
} from './env-merge.js';
export type { ReplaceOrAppendOptions } from './env-merge.js';
export { buildRunnerCredentialsSecret } from './runner-credentials.js';
export {
  PREREQUISITE_FAILURE_EXIT_CODE,
  RUNNER_TOKEN_MOUNT_PATH,
  TRUSTED_CA_MOUNT_PATH,
  VERTEX_MOUNT_PATH,
  WORKSPACE_MOUNT_PATH,
  buildRunnerJob,
  buildRunnerPodSpec,
  restrictedContainerSecurityContext,
  runnerPodIdentity,
  runnerPodLabels,
  stateSyncSidecarMode,
  trustedCaBundlePresent,
} from './runner-job.js';
export type { RunnerPodIdentity } from './runner-job.js';
export { buildRunnerService } from './runner-service.js';
export {
  RUNNER_TOKEN_REFRESH_AFTER_MS,
  buildRunnerRole,
  buildRunnerRoleBinding,
  buildRunnerServiceAccount,
  buildRunnerTokenRefreshPatch,
  buildRunnerTokenRequest,
  buildRunnerTokenSecret,
  formatRfc3339,
  runnerIdentityAnnotations,
  runnerReadableSecretNames,
  runnerTokenRefreshDueAt,
} from './runner-rbac.js';
export {
  PHASES_NEEDING_COPIED_SECRETS,
  planCopiedSecret,
  platformSecretsToCopy,
  shouldDeleteCopiedSecret,
  usesMlflowKubernetesAuth,
} from './copied-secrets.js';
export type { CopiedSecretPlan, PlatformSecretCopy } from './copied-secrets.js';
export { buildRunnerNetworkPolicy } from './network-policy.js';
