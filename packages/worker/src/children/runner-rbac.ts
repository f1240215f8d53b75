import type {
  AuthenticationV1TokenRequest,
  V1Role,
  V1RoleBinding,
  V1Secret,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import {
  AGUI_TOKEN_KEY,
  CREATED_BY_USER_ID,
  K8S_TOKEN_KEY,
  RUNNER_SA,
  RUNNER_TOKEN_SECRET,
  TOKEN_REFRESHED_AT,
  runnerRoleBindingName,
  runnerRoleName,
  runnerServiceAccountName,
  runnerTokenSecretName,
} from '@ambient-operator/shared';
import type { StoredAgenticSession } from '@ambient-operator/shared';
import { sessionOwnerReference } from './agentic-session.js';
import { PLATFORM_NAMES, RUNNER_LABELS } from './names.js';
import { encodeSecretData } from './secret-data.js';

// The runner's identity (contract §3.1): ServiceAccount, Role, RoleBinding and the token Secret holding a
// TokenRequest token for that SA (`k8s-token`) plus the token the backend presents to the runner
// (`agui-token`). All owned by the session.

/** `k8s-token` is re-minted once it is this old (upstream: 45 min, below the usual 1 h token lifetime). */
export const RUNNER_TOKEN_REFRESH_AFTER_MS = 45 * 60 * 1000;

export function buildRunnerServiceAccount(session: StoredAgenticSession): Wire<V1ServiceAccount> {
  const userId = session.spec.userContext?.userId?.trim();
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: runnerServiceAccountName(session.metadata.name),
      namespace: session.metadata.namespace,
      labels: { [RUNNER_LABELS.appKey]: RUNNER_LABELS.serviceAccountApp },
      ...(userId ? { annotations: { [CREATED_BY_USER_ID]: userId } } : {}),
      ownerReferences: [sessionOwnerReference(session)],
    },
  };
}

/**
 * Secrets the runner may `get`. Fix of §10.13: upstream granted `get` on every Secret of the namespace.
 * Here: the session's own token Secret, the project secrets the pod already consumes
 * (`ambient-non-vertex-integrations`, `ambient-runner-secrets`) and the copied platform secrets. The
 * per-session credentials Secret is not listed: its values reach the runner as env only.
 */
export function runnerReadableSecretNames(
  session: StoredAgenticSession,
  extra: readonly string[] = [],
): string[] {
  const names = new Set<string>([
    runnerTokenSecretName(session.metadata.name),
    PLATFORM_NAMES.integrationSecret,
    PLATFORM_NAMES.runnerSecrets,
    PLATFORM_NAMES.vertexSecret,
    PLATFORM_NAMES.langfuseSecret,
    PLATFORM_NAMES.mlflowSecret,
    ...extra,
  ]);
  return [...names].sort();
}

/** Role `ambient-session-<n>-role`. The worker updates an existing Role to these rules. */
export function buildRunnerRole(input: {
  session: StoredAgenticSession;
  /** More Secrets the runner must read, added to runnerReadableSecretNames. @defaultValue [] */
  extraReadableSecrets?: readonly string[];
}): Wire<V1Role> {
  const { session } = input;
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: {
      name: runnerRoleName(session.metadata.name),
      namespace: session.metadata.namespace,
      ownerReferences: [sessionOwnerReference(session)],
    },
    rules: [
      {
        apiGroups: ['vteam.ambient-code'],
        resources: ['agenticsessions'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
      },
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'], verbs: ['create'] },
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: runnerReadableSecretNames(session, input.extraReadableSecrets),
        verbs: ['get'],
      },
      { apiGroups: ['mlflow.kubeflow.org'], resources: ['experiments'], verbs: ['get', 'list', 'update'] },
    ],
  };
}

export function buildRunnerRoleBinding(session: StoredAgenticSession): Wire<V1RoleBinding> {
  const name = session.metadata.name;
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: {
      name: runnerRoleBindingName(name),
      namespace: session.metadata.namespace,
      ownerReferences: [sessionOwnerReference(session)],
    },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: runnerRoleName(name) },
    subjects: [
      { kind: 'ServiceAccount', name: runnerServiceAccountName(name), namespace: session.metadata.namespace },
    ],
  };
}

/**
 * Body of `POST .../serviceaccounts/ambient-session-<n>/token`. Without expirationSeconds the API server's
 * default lifetime applies (as upstream); the 45-minute refresh keeps the Secret ahead of expiry.
 */
export function buildRunnerTokenRequest(
  options: { expirationSeconds?: number } = {},
): Wire<AuthenticationV1TokenRequest> {
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {
      audiences: [],
      ...(options.expirationSeconds === undefined ? {} : { expirationSeconds: options.expirationSeconds }),
    },
  };
}

/** RFC 3339 in UTC without fractional seconds, as Go's time.RFC3339 prints it. */
export function formatRfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Secret `ambient-runner-token-<n>`. On AlreadyExists at provisioning the worker replaces both keys. */
export function buildRunnerTokenSecret(input: {
  session: StoredAgenticSession;
  /** TokenRequest status.token for the session ServiceAccount. */
  k8sToken: string;
  /** A fresh random UUIDv4 (crypto.randomUUID()). */
  aguiToken: string;
  refreshedAt: Date;
}): Wire<V1Secret> {
  const { session } = input;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: runnerTokenSecretName(session.metadata.name),
      namespace: session.metadata.namespace,
      labels: { [RUNNER_LABELS.appKey]: RUNNER_LABELS.tokenSecretApp },
      annotations: { [TOKEN_REFRESHED_AT]: formatRfc3339(input.refreshedAt) },
      ownerReferences: [sessionOwnerReference(session)],
    },
    data: encodeSecretData({ [K8S_TOKEN_KEY]: input.k8sToken, [AGUI_TOKEN_KEY]: input.aguiToken }),
  };
}

/** When `k8s-token` must be re-minted: 45 min after the refreshed-at annotation; undefined when the
 *  annotation is missing or unparseable (refresh now). Lets the worker schedule the refresh exactly. */
export function runnerTokenRefreshDueAt(secret: Pick<Wire<V1Secret>, 'metadata'>): Date | undefined {
  const stamp = secret.metadata?.annotations?.[TOKEN_REFRESHED_AT];
  const refreshedMs = stamp ? Date.parse(stamp) : Number.NaN;
  return Number.isNaN(refreshedMs) ? undefined : new Date(refreshedMs + RUNNER_TOKEN_REFRESH_AFTER_MS);
}

/** Merge patch for a refresh: only `k8s-token` and the annotation change; `agui-token` stays. */
export function buildRunnerTokenRefreshPatch(input: { k8sToken: string; refreshedAt: Date }): {
  metadata: { annotations: Record<string, string> };
  data: Record<string, string>;
} {
  return {
    metadata: { annotations: { [TOKEN_REFRESHED_AT]: formatRfc3339(input.refreshedAt) } },
    data: encodeSecretData({ [K8S_TOKEN_KEY]: input.k8sToken }),
  };
}

/** Annotations the worker records on the session after provisioning (read by the backend). */
export function runnerIdentityAnnotations(sessionName: string): Record<string, string> {
  return {
    [RUNNER_TOKEN_SECRET]: runnerTokenSecretName(sessionName),
    [RUNNER_SA]: runnerServiceAccountName(sessionName),
  };
}
