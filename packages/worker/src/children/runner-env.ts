import type { V1EnvVar } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import type { StoredAgenticSession } from '@ambient-operator/shared';
import { forcesPromptExecution, parentSessionIdOf } from './agentic-session.js';
import { AGUI_TOKEN_KEY, K8S_TOKEN_KEY, runnerTokenSecretName } from '@ambient-operator/shared';
import { PLATFORM_NAMES, runnerCredentialsSecretName } from './names.js';
import type { RunnerBuildInput } from './runner-input.js';
import {
  appendMissingEnv,
  canonicalJson,
  envFromMap,
  plainEnv,
  replaceOrAppendEnv,
  secretEnv,
} from './env-merge.js';

// The environment contract of the runner pod (contract §3.3), container by container, in upstream's order.
// Deviations, each on purpose:
// - Map-sourced vars (registry `container.env`, spec `environmentVariables`) are sorted by name; upstream
//   iterates Go maps, so its order is random and every rebuild differs.
// - LLM_TEMPERATURE always has 2 decimals, also for integral numbers (upstream printed 0.00 for `1`,
//   §10.14), and absent llmSettings get the CRD defaults (upstream sent empty/zero values).
// - Secrets hygiene (§10.13): AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and GOOGLE_OAUTH_CLIENT_SECRET are
//   secretKeyRefs into the per-session Secret `ambient-runner-creds-<n>` (buildRunnerCredentialsSecret)
//   instead of plain values in the pod spec. Containers see the same names and values.

export const DEFAULT_LLM_MODEL = 'claude-sonnet-4-6';
export const DEFAULT_LLM_TEMPERATURE = 0.7;
export const DEFAULT_LLM_MAX_TOKENS = 4000;
export const DEFAULT_SESSION_TIMEOUT_SECONDS = 300;

/** Env names whose values live in the per-session credentials Secret (keys of the same name). */
export const CREDENTIAL_ENV_NAMES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'GOOGLE_OAUTH_CLIENT_SECRET',
] as const;
export type CredentialEnvName = (typeof CREDENTIAL_ENV_NAMES)[number];

const GOOGLE_MCP_CREDENTIALS_DIR = '/workspace/.google_workspace_mcp/credentials';

/** `%.2f` of the temperature; integral numbers too (1 → "1.00"). */
export function formatTemperature(temperature: number): string {
  return temperature.toFixed(2);
}

export function backendApiUrl(backendNamespace: string): string {
  return `http://backend-service.${backendNamespace}.svc.cluster.local:8080/api`;
}

function credentialEnv(session: StoredAgenticSession, name: CredentialEnvName): Wire<V1EnvVar> {
  return secretEnv(name, runnerCredentialsSecretName(session.metadata.name), name);
}

function tokenSecretOf(input: RunnerBuildInput): string {
  return input.facts.tokenSecretName ?? runnerTokenSecretName(input.session.metadata.name);
}

function reposJsonEnv(session: StoredAgenticSession): Wire<V1EnvVar>[] {
  const repos = session.spec.repos;
  return repos && repos.length > 0 ? [plainEnv('REPOS_JSON', canonicalJson(repos))] : [];
}

function activeWorkflowEnv(session: StoredAgenticSession): Wire<V1EnvVar>[] {
  const workflow = session.spec.activeWorkflow;
  const env: Wire<V1EnvVar>[] = [];
  // Only non-blank values, like upstream; the values themselves are passed untrimmed.
  if (workflow?.gitUrl?.trim()) env.push(plainEnv('ACTIVE_WORKFLOW_GIT_URL', workflow.gitUrl));
  if (workflow?.branch?.trim()) env.push(plainEnv('ACTIVE_WORKFLOW_BRANCH', workflow.branch));
  if (workflow?.path?.trim()) env.push(plainEnv('ACTIVE_WORKFLOW_PATH', workflow.path));
  return env;
}

/** `init-hydrate`: fixed vars, then spec env added only where the name is free (registry env is not). */
export function buildInitEnv(input: RunnerBuildInput): Wire<V1EnvVar>[] {
  const { session, config, facts } = input;
  const { name, namespace } = session.metadata;
  const base = [
    plainEnv('SESSION_NAME', name),
    plainEnv('NAMESPACE', namespace),
    plainEnv('S3_ENDPOINT', facts.s3.endpoint),
    plainEnv('S3_BUCKET', facts.s3.bucket),
    credentialEnv(session, 'AWS_ACCESS_KEY_ID'),
    credentialEnv(session, 'AWS_SECRET_ACCESS_KEY'),
    plainEnv('BACKEND_API_URL', backendApiUrl(config.namespaces.backend)),
    plainEnv('PROJECT_NAME', namespace),
    ...reposJsonEnv(session),
    ...activeWorkflowEnv(session),
    secretEnv('BOT_TOKEN', tokenSecretOf(input), K8S_TOKEN_KEY),
  ];
  return appendMissingEnv(base, envFromMap(session.spec.environmentVariables));
}

/** `state-sync`: fixed vars, then registry env, then spec env, both only where the name is free. */
export function buildStateSyncEnv(input: RunnerBuildInput): Wire<V1EnvVar>[] {
  const { session, runtime, facts } = input;
  const base = [
    plainEnv('SESSION_NAME', session.metadata.name),
    plainEnv('NAMESPACE', session.metadata.namespace),
    plainEnv('S3_ENDPOINT', facts.s3.endpoint),
    plainEnv('S3_BUCKET', facts.s3.bucket),
    plainEnv('SYNC_INTERVAL', '60'),
    plainEnv('MAX_SYNC_SIZE', '1073741824'),
    credentialEnv(session, 'AWS_ACCESS_KEY_ID'),
    credentialEnv(session, 'AWS_SECRET_ACCESS_KEY'),
  ];
  const withRegistry = appendMissingEnv(base, envFromMap(runtime.env));
  return appendMissingEnv(withRegistry, envFromMap(session.spec.environmentVariables));
}

function observabilityEnv(input: RunnerBuildInput): Wire<V1EnvVar>[] {
  const env: Wire<V1EnvVar>[] = [];
  const fromSecret = (secret: string, names: readonly string[]): void => {
    for (const name of names) env.push(secretEnv(name, secret, name, true));
  };
  if (input.facts.copiedSecrets.langfuse) {
    fromSecret(PLATFORM_NAMES.langfuseSecret, [
      'LANGFUSE_ENABLED',
      'LANGFUSE_HOST',
      'LANGFUSE_PUBLIC_KEY',
      'LANGFUSE_SECRET_KEY',
    ]);
  }
  if (input.facts.copiedSecrets.mlflow) {
    fromSecret(PLATFORM_NAMES.mlflowSecret, [
      'MLFLOW_TRACING_ENABLED',
      'MLFLOW_TRACKING_URI',
      'MLFLOW_TRACKING_AUTH',
      'MLFLOW_EXPERIMENT_NAME',
      'MLFLOW_WORKSPACE',
      'OBSERVABILITY_BACKENDS',
    ]);
  }
  return env;
}

function vertexEnv(input: RunnerBuildInput): Wire<V1EnvVar>[] {
  const vertex = input.config.vertex;
  if (!vertex.enabled) return [plainEnv('USE_VERTEX', '0'), plainEnv('CLAUDE_CODE_USE_VERTEX', '0')];
  return [
    plainEnv('USE_VERTEX', '1'),
    plainEnv('CLAUDE_CODE_USE_VERTEX', '1'),
    plainEnv('CLOUD_ML_REGION', vertex.region),
    plainEnv('ANTHROPIC_VERTEX_PROJECT_ID', vertex.projectId),
    plainEnv('GOOGLE_APPLICATION_CREDENTIALS', vertex.credentialsPath),
    // Keeps the Google SDKs from probing the GCE metadata server (slow timeouts off GCP).
    plainEnv('GCE_METADATA_HOST', 'metadata.invalid'),
    plainEnv('GCE_METADATA_TIMEOUT', '1'),
  ];
}

/** `ambient-code-runner`: groups (1)…(10) of the contract, in order. */
export function buildRunnerEnv(input: RunnerBuildInput): Wire<V1EnvVar>[] {
  const { session, config, runtime, facts } = input;
  const { name, namespace } = session.metadata;
  const spec = session.spec;
  const env: Wire<V1EnvVar>[] = [];

  // (1) identity and paths
  env.push(
    plainEnv('DEBUG', 'true'),
    plainEnv('AGENTIC_SESSION_NAME', name),
    plainEnv('AGENTIC_SESSION_NAMESPACE', namespace),
    plainEnv('SESSION_ID', name),
    plainEnv('PROJECT_NAME', namespace),
    plainEnv('WORKSPACE_PATH', '/workspace'),
    plainEnv('ARTIFACTS_DIR', 'artifacts'),
    plainEnv('AGUI_PORT', String(runtime.port)),
  );
  // (2) the token the backend presents to the runner
  env.push(secretEnv('AGUI_TOKEN', tokenSecretOf(input), AGUI_TOKEN_KEY));
  // (3) Google Workspace MCP
  env.push(
    plainEnv('GOOGLE_MCP_CREDENTIALS_DIR', GOOGLE_MCP_CREDENTIALS_DIR),
    plainEnv('GOOGLE_OAUTH_CLIENT_ID', config.runner.googleOAuthClientId),
    credentialEnv(session, 'GOOGLE_OAUTH_CLIENT_SECRET'),
  );
  const publicUrl = config.runner.backendPublicUrl.trim().replace(/\/+$/, '');
  if (publicUrl) env.push(plainEnv('GOOGLE_OAUTH_REDIRECT_URI', `${publicUrl}/oauth2callback`));
  // (4) MCP configuration and the caller's identity
  if (config.runner.mcpConfigFile) env.push(plainEnv('MCP_CONFIG_FILE', config.runner.mcpConfigFile));
  if (spec.mcpServers && Object.keys(spec.mcpServers).length > 0) {
    env.push(plainEnv('CUSTOM_MCP_SERVERS', canonicalJson(spec.mcpServers)));
  }
  if (facts.projectMcpServers && Object.keys(facts.projectMcpServers).length > 0) {
    env.push(plainEnv('PROJECT_MCP_SERVERS', canonicalJson(facts.projectMcpServers)));
  }
  const userId = spec.userContext?.userId?.trim();
  const userName = spec.userContext?.displayName?.trim();
  if (userId) env.push(plainEnv('USER_ID', userId));
  if (userName) env.push(plainEnv('USER_NAME', userName));
  // (5) the run itself
  const llm = spec.llmSettings;
  env.push(
    plainEnv('INITIAL_PROMPT', spec.initialPrompt ?? ''),
    plainEnv('LLM_MODEL', llm?.model ?? DEFAULT_LLM_MODEL),
    plainEnv('LLM_TEMPERATURE', formatTemperature(llm?.temperature ?? DEFAULT_LLM_TEMPERATURE)),
    plainEnv('LLM_MAX_TOKENS', String(Math.trunc(llm?.maxTokens ?? DEFAULT_LLM_MAX_TOKENS))),
    plainEnv('USE_AGUI', 'true'),
    plainEnv('TIMEOUT', String(Math.trunc(spec.timeout ?? DEFAULT_SESSION_TIMEOUT_SECONDS))),
    plainEnv('BACKEND_API_URL', backendApiUrl(config.namespaces.backend)),
  );
  if (facts.vertexModelId) env.push(plainEnv('LLM_MODEL_VERTEX_ID', facts.vertexModelId));
  // (6) observability, from the copied platform secrets
  env.push(...observabilityEnv(input));
  // (7) model provider
  env.push(...vertexEnv(input));
  // (8) continuation, resume, repos, workflow
  const parent = parentSessionIdOf(session);
  if (parent) env.push(plainEnv('PARENT_SESSION_ID', parent));
  if (facts.isResume && !forcesPromptExecution(session)) env.push(plainEnv('IS_RESUME', 'true'));
  // Upstream also reads spec.mainRepoName/mainRepoIndex, which the CRD schema lacks: the API server prunes them, so
  // MAIN_REPO_NAME/MAIN_REPO_INDEX are never set (and the schema would reject a session that had them).
  env.push(...reposJsonEnv(session), ...activeWorkflowEnv(session));
  // (9) registry env, without overriding
  const withRegistry = appendMissingEnv(env, envFromMap(runtime.env));
  // (10) spec env last, replacing. GOOGLE_OAUTH_CLIENT_SECRET stays overridable: upstream let the spec
  // replace it while it was a plain value.
  return replaceOrAppendEnv(withRegistry, envFromMap(spec.environmentVariables), {
    overridableValueFrom: new Set(['GOOGLE_OAUTH_CLIENT_SECRET']),
  });
}
