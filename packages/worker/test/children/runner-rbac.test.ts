import { describe, expect, test } from 'vitest';
import {
  buildRunnerRole,
  buildRunnerRoleBinding,
  buildRunnerServiceAccount,
  buildRunnerTokenRefreshPatch,
  buildRunnerTokenRequest,
  buildRunnerTokenSecret,
  decodeSecretData,
  formatRfc3339,
  runnerIdentityAnnotations,
  runnerTokenRefreshDueAt,
} from '../../src/children/index.js';
import { sampleSession } from '../fixtures/children-inputs.js';
import { toWire } from '../fixtures/client-model.js';

const session = sampleSession();
const owner = {
  apiVersion: 'vteam.ambient-code/v1alpha1',
  kind: 'AgenticSession',
  name: 'fix-login-bug',
  uid: '6f1c2d7e-0b7a-4c55-9a43-2f7f1c0e9b11',
  controller: true,
};
const roundTrips = (object: object, type: string): void => {
  expect(toWire(object, type)).toEqual(JSON.parse(JSON.stringify(object)));
};

describe('runner identity', () => {
  test('ServiceAccount ambient-session-<n> with the creator annotation when a userId is known', () => {
    const sa = buildRunnerServiceAccount(session);
    expect(sa.metadata).toEqual({
      name: 'ambient-session-fix-login-bug',
      namespace: 'team-a',
      labels: { app: 'ambient-runner' },
      annotations: { 'ambient-code.io/created-by-user-id': 'u-1234' },
      ownerReferences: [owner],
    });
    const anonymous = buildRunnerServiceAccount({
      ...session,
      spec: { ...session.spec, userContext: { userId: ' ' } },
    });
    expect(anonymous.metadata?.annotations).toBeUndefined();
    roundTrips(sa, 'V1ServiceAccount');
  });

  test('Role: the upstream rules, secrets restricted to named Secrets (fix §10.13)', () => {
    const role = buildRunnerRole({ session, extraReadableSecrets: ['my-extra'] });
    expect(role.metadata).toEqual({
      name: 'ambient-session-fix-login-bug-role',
      namespace: 'team-a',
      ownerReferences: [owner],
    });
    expect(role.rules).toEqual([
      {
        apiGroups: ['vteam.ambient-code'],
        resources: ['agenticsessions'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
      },
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'], verbs: ['create'] },
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: [
          'ambient-admin-langfuse-secret',
          'ambient-admin-mlflow-observability-secret',
          'ambient-non-vertex-integrations',
          'ambient-runner-secrets',
          'ambient-runner-token-fix-login-bug',
          'ambient-vertex',
          'my-extra',
        ],
        verbs: ['get'],
      },
      { apiGroups: ['mlflow.kubeflow.org'], resources: ['experiments'], verbs: ['get', 'list', 'update'] },
    ]);
    // Another session's token and the credentials Secret are not readable.
    const secretsRule = role.rules?.find((rule) => rule.resources?.includes('secrets'));
    expect(secretsRule?.resourceNames).not.toContain('ambient-runner-token-other');
    expect(secretsRule?.resourceNames).not.toContain('ambient-runner-creds-fix-login-bug');
    roundTrips(role, 'V1Role');
  });

  test('RoleBinding binds the Role to the SA in the same namespace', () => {
    const binding = buildRunnerRoleBinding(session);
    expect(binding.metadata?.name).toBe('ambient-session-fix-login-bug-rb');
    expect(binding.metadata?.ownerReferences).toEqual([owner]);
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'ambient-session-fix-login-bug-role',
    });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'ambient-session-fix-login-bug', namespace: 'team-a' },
    ]);
    roundTrips(binding, 'V1RoleBinding');
  });

  test('token Secret: both keys, label, refreshed-at in Go RFC 3339', () => {
    const secret = buildRunnerTokenSecret({
      session,
      k8sToken: 'eyJhbGciOi.k8s',
      aguiToken: '0b8f3c1e-6a52-4e0e-9d8b-1f3f0c2a7d44',
      refreshedAt: new Date('2026-08-17T10:00:00.123Z'),
    });
    expect(secret.metadata).toEqual({
      name: 'ambient-runner-token-fix-login-bug',
      namespace: 'team-a',
      labels: { app: 'ambient-runner-token' },
      annotations: { 'ambient-code.io/token-refreshed-at': '2026-08-17T10:00:00Z' },
      ownerReferences: [owner],
    });
    expect(secret.type).toBe('Opaque');
    expect(decodeSecretData(secret.data)).toEqual({
      'agui-token': '0b8f3c1e-6a52-4e0e-9d8b-1f3f0c2a7d44',
      'k8s-token': 'eyJhbGciOi.k8s',
    });
    roundTrips(secret, 'V1Secret');
  });

  test('TokenRequest body: default audiences, optional lifetime', () => {
    expect(buildRunnerTokenRequest()).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: [] },
    });
    expect(buildRunnerTokenRequest({ expirationSeconds: 3600 }).spec.expirationSeconds).toBe(3600);
  });

  test('refresh: due 45 min after the annotation, or now when it is missing or unparseable', () => {
    const at = (stamp: string | undefined) => ({
      metadata: stamp === undefined ? {} : { annotations: { 'ambient-code.io/token-refreshed-at': stamp } },
    });
    const refreshed = at('2026-08-17T10:00:00Z');
    expect(runnerTokenRefreshDueAt(refreshed)?.toISOString()).toBe('2026-08-17T10:45:00.000Z');
    expect(runnerTokenRefreshDueAt(at(undefined))).toBeUndefined();
    expect(runnerTokenRefreshDueAt(at('yesterday-ish'))).toBeUndefined();
  });

  test('refresh patch changes only k8s-token and the annotation', () => {
    const patch = buildRunnerTokenRefreshPatch({
      k8sToken: 'new',
      refreshedAt: new Date('2026-08-17T11:00:00Z'),
    });
    expect(patch).toEqual({
      metadata: { annotations: { 'ambient-code.io/token-refreshed-at': '2026-08-17T11:00:00Z' } },
      data: { 'k8s-token': Buffer.from('new').toString('base64') },
    });
  });

  test('session annotations after provisioning name the token Secret and the SA', () => {
    expect(runnerIdentityAnnotations('fix-login-bug')).toEqual({
      'ambient-code.io/runner-token-secret': 'ambient-runner-token-fix-login-bug',
      'ambient-code.io/runner-sa': 'ambient-session-fix-login-bug',
    });
    expect(formatRfc3339(new Date(0))).toBe('1970-01-01T00:00:00Z');
  });
});
