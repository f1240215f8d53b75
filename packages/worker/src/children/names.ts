import {
  APP_LABEL,
  APP_RUNNER,
  APP_RUNNER_SA,
  APP_RUNNER_TOKEN,
  APP_SERVICE,
  INTEGRATIONS_SECRET_NAME,
  LANGFUSE_SECRET_NAME,
  MLFLOW_SECRET_NAME,
  RUNNER_SECRETS_NAME,
  SESSION_LABEL,
  VERTEX_SECRET_NAME,
} from '@ambient-operator/shared';

// Names and labels of the runner's objects that @ambient-operator/shared does not already define. The
// per-session names (runnerJobName, serviceName, runnerServiceAccountName, ...) and validateSessionName
// come from shared, so the reconcile loop, cleanup and these builders agree on them.

/** Label keys and `app` values on the runner Job, its pods, the Service and the NetworkPolicy. */
export const RUNNER_LABELS = {
  sessionKey: SESSION_LABEL,
  appKey: APP_LABEL,
  runnerApp: APP_RUNNER,
  serviceApp: APP_SERVICE,
  serviceAccountApp: APP_RUNNER_SA,
  tokenSecretApp: APP_RUNNER_TOKEN,
  credentialsSecretApp: 'ambient-runner-creds',
} as const;

/** Container names (contract §3.3). */
export const CONTAINER_NAMES = {
  init: 'init-hydrate',
  runner: 'ambient-code-runner',
  stateSync: 'state-sync',
} as const;

/** Per-session Secret holding the values upstream put in plain env (S3 keys, Google OAuth secret). */
export const runnerCredentialsSecretName = (session: string): string => `ambient-runner-creds-${session}`;

/** Fixed names of objects the operator reads, copies or references (not per-session). */
export const PLATFORM_NAMES = {
  /** Copied from BACKEND_NAMESPACE when Vertex is on; mounted at /app/vertex. */
  vertexSecret: VERTEX_SECRET_NAME,
  /** Copied when LANGFUSE_ENABLED; runner env via optional secretKeyRefs. */
  langfuseSecret: LANGFUSE_SECRET_NAME,
  /** Copied when MLFLOW_TRACING_ENABLED; runner env via optional secretKeyRefs. */
  mlflowSecret: MLFLOW_SECRET_NAME,
  /** Project secret: runner envFrom when present; also the source of custom S3 settings. */
  integrationSecret: INTEGRATIONS_SECRET_NAME,
  /** Project secret with API keys: runner envFrom when Vertex is off. */
  runnerSecrets: RUNNER_SECRETS_NAME,
  /** Shared MinIO credentials in BACKEND_NAMESPACE. */
  minioCredentialsSecret: 'minio-credentials',
  /** ConfigMap with the cluster's trusted CA bundle (key ca-bundle.crt). */
  trustedCaBundleConfigMap: 'trusted-ca-bundle',
  trustedCaBundleKey: 'ca-bundle.crt',
  /** The per-namespace NetworkPolicy. */
  networkPolicy: 'runner-allow-backend-only',
} as const;
