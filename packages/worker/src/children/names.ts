// Names and labels of the objects the worker creates for a session (contract §3). Every derived name
// is computed here so the reconcile loop, the cleanup code and the tests agree on them.

/** Pod/Job label keys and values shared by the runner Job, its pods, the Service and the NetworkPolicy. */
export const RUNNER_LABELS = {
  sessionKey: 'agentic-session',
  appKey: 'app',
  runnerApp: 'ambient-code-runner',
  serviceApp: 'ambient-code',
  serviceAccountApp: 'ambient-runner',
  tokenSecretApp: 'ambient-runner-token',
  credentialsSecretApp: 'ambient-runner-creds',
} as const;

/** Container names (contract §3.3). */
export const CONTAINER_NAMES = {
  init: 'init-hydrate',
  runner: 'ambient-code-runner',
  stateSync: 'state-sync',
} as const;

export const runnerJobName = (session: string): string => `${session}-runner`;
export const runnerServiceName = (session: string): string => `session-${session}`;
export const runnerServiceAccountName = (session: string): string => `ambient-session-${session}`;
export const runnerRoleName = (session: string): string => `ambient-session-${session}-role`;
export const runnerRoleBindingName = (session: string): string => `ambient-session-${session}-rb`;
export const runnerTokenSecretName = (session: string): string => `ambient-runner-token-${session}`;
/** Per-session Secret holding the values upstream put in plain env (S3 keys, Google OAuth secret). */
export const runnerCredentialsSecretName = (session: string): string => `ambient-runner-creds-${session}`;

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const MAX_LABEL = 63;
const MAX_SUBDOMAIN = 253;

/**
 * Why a session name cannot get its children, as human-readable reasons (empty = fine). Checked before
 * anything is created (upstream fails on the Service name only after the pod exists, §10.7). The tightest
 * limits: `session-<n>` is a DNS-1035 label (≤63, no dots), `<n>-runner` a Job name (≤63, it becomes the
 * `job-name` label), and `<n>` itself a label value (`agentic-session=<n>`).
 */
export function sessionNameProblems(session: string): string[] {
  const problems: string[] = [];
  if (!DNS1123_SUBDOMAIN.test(session) || session.length > MAX_SUBDOMAIN) {
    problems.push(`session name "${session}" is not a valid DNS-1123 subdomain`);
  }
  if (session.length > MAX_LABEL) {
    problems.push(
      `session name is ${session.length} characters; the label agentic-session allows ${MAX_LABEL}`,
    );
  }
  const service = runnerServiceName(session);
  if (service.length > MAX_LABEL) {
    problems.push(`Service name "${service}" is ${service.length} characters; the limit is ${MAX_LABEL}`);
  }
  if (session.includes('.')) {
    problems.push(`Service name "${service}" must not contain dots (DNS-1035 label)`);
  }
  const job = runnerJobName(session);
  if (job.length > MAX_LABEL) {
    problems.push(`Job name "${job}" is ${job.length} characters; the limit is ${MAX_LABEL}`);
  }
  return problems;
}

/** Fixed names of objects the operator reads, copies or references (not per-session). */
export const PLATFORM_NAMES = {
  /** Copied from BACKEND_NAMESPACE when Vertex is on; mounted at /app/vertex. */
  vertexSecret: 'ambient-vertex',
  /** Copied when LANGFUSE_ENABLED; runner env via optional secretKeyRefs. */
  langfuseSecret: 'ambient-admin-langfuse-secret',
  /** Copied when MLFLOW_TRACING_ENABLED; runner env via optional secretKeyRefs. */
  mlflowSecret: 'ambient-admin-mlflow-observability-secret',
  /** Project secret: runner envFrom when present; also the source of custom S3 settings. */
  integrationSecret: 'ambient-non-vertex-integrations',
  /** Project secret with API keys: runner envFrom when Vertex is off. */
  runnerSecrets: 'ambient-runner-secrets',
  /** Shared MinIO credentials in BACKEND_NAMESPACE. */
  minioCredentialsSecret: 'minio-credentials',
  /** ConfigMap with the cluster's trusted CA bundle (key ca-bundle.crt). */
  trustedCaBundleConfigMap: 'trusted-ca-bundle',
  trustedCaBundleKey: 'ca-bundle.crt',
  /** The per-namespace NetworkPolicy. */
  networkPolicy: 'runner-allow-backend-only',
} as const;
