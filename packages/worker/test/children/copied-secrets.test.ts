import type { V1Secret } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { describe, expect, test } from 'vitest';
import {
  planCopiedSecret,
  platformSecretsToCopy,
  shouldDeleteCopiedSecret,
  usesMlflowKubernetesAuth,
  type CopiedSecretPlan,
} from '../../src/children/index.js';
import type { StoredAgenticSession as AgenticSession } from '@ambient-operator/shared';
import { sampleSession } from '../fixtures/children-inputs.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const COPIED_FROM = 'vteam.ambient-code/copied-from';

const owner = (name: string, uid: string): AgenticSession => {
  const base = sampleSession();
  return { ...base, metadata: { ...base.metadata, name, uid } };
};

const source = (data: Record<string, string>, labels?: Record<string, string>): Wire<V1Secret> => ({
  metadata: { name: 'ambient-vertex', namespace: 'source-ns', ...(labels ? { labels } : {}) },
  type: 'Opaque',
  data,
});

const target = (meta: Wire<V1Secret>['metadata'], data: Record<string, string>): Wire<V1Secret> => ({
  metadata: { name: 'ambient-vertex', namespace: 'target-ns', resourceVersion: '42', ...meta },
  type: 'Opaque',
  data,
});

function secretOf(plan: CopiedSecretPlan): Wire<V1Secret> {
  if (plan.action === 'none') throw new Error('expected a secret to write');
  return plan.secret;
}

// Ports of upstream sessions_test (copySecretToNamespace): same scenarios, same expectations.
describe('planCopiedSecret', () => {
  test('CreateNew: same name, data and labels, one controller ref to the session, copied-from annotation', () => {
    const plan = planCopiedSecret({
      source: source({ credentials: b64('secret-data') }, { app: 'ambient-code' }),
      existing: undefined,
      targetNamespace: 'target-ns',
      owner: owner('test-session', 'test-uid-789'),
    });
    expect(plan.action).toBe('create');
    expect(secretOf(plan)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'ambient-vertex',
        namespace: 'target-ns',
        labels: { app: 'ambient-code' },
        annotations: { [COPIED_FROM]: 'source-ns/ambient-vertex' },
        ownerReferences: [
          {
            apiVersion: 'vteam.ambient-code/v1alpha1',
            kind: 'AgenticSession',
            name: 'test-session',
            uid: 'test-uid-789',
            controller: true,
          },
        ],
      },
      type: 'Opaque',
      data: { credentials: b64('secret-data') },
    });
  });

  test('AlreadyHasOwnerRef: nothing to do, the data is not refreshed', () => {
    const existing = target(
      {
        ownerReferences: [
          {
            apiVersion: 'vteam.ambient-code/v1alpha1',
            kind: 'AgenticSession',
            name: 'test-session',
            uid: 'owner-uid-999',
            controller: true,
          },
        ],
        annotations: { [COPIED_FROM]: 'source-ns/ambient-vertex' },
      },
      { key: b64('original-value') },
    );
    const plan = planCopiedSecret({
      source: source({ key: b64('new-value') }),
      existing,
      targetNamespace: 'target-ns',
      owner: owner('test-session', 'owner-uid-999'),
    });
    expect(plan).toEqual({ action: 'none' });
  });

  test('MultipleOwnerReferences: a non-controller owner is kept and the session is added as controller', () => {
    const existing = target(
      { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'other-owner', uid: 'other-uid-111' }] },
      { key: b64('value') },
    );
    const secret = secretOf(
      planCopiedSecret({
        source: source({ key: b64('updated-value') }),
        existing,
        targetNamespace: 'target-ns',
        owner: owner('test-session', 'new-owner-uid-222'),
      }),
    );
    expect(secret.metadata?.ownerReferences?.map((ref) => ref.uid)).toEqual([
      'other-uid-111',
      'new-owner-uid-222',
    ]);
    expect(secret.metadata?.ownerReferences?.[1]?.controller).toBe(true);
    expect(secret.data).toEqual({ key: b64('updated-value') });
    expect(secret.metadata?.annotations).toEqual({ [COPIED_FROM]: 'source-ns/ambient-vertex' });
    expect(secret.metadata?.resourceVersion).toBe('42');
  });

  test('ExistingController: the new ref is not a controller; exactly one controller remains; data updated', () => {
    const existing = target(
      {
        ownerReferences: [
          {
            apiVersion: 'vteam.ambient-code/v1alpha1',
            kind: 'AgenticSession',
            name: 'existing-session',
            uid: 'existing-uid-111',
            controller: true,
          },
        ],
      },
      { key: b64('value') },
    );
    const plan = planCopiedSecret({
      source: source({ key: b64('updated-value') }),
      existing,
      targetNamespace: 'target-ns',
      owner: owner('new-session', 'new-uid-222'),
    });
    expect(plan.action).toBe('update');
    const refs = secretOf(plan).metadata?.ownerReferences ?? [];
    expect(refs).toHaveLength(2);
    expect(refs.filter((ref) => ref.controller === true).map((ref) => ref.uid)).toEqual(['existing-uid-111']);
    expect(refs[1]).toEqual({
      apiVersion: 'vteam.ambient-code/v1alpha1',
      kind: 'AgenticSession',
      name: 'new-session',
      uid: 'new-uid-222',
    });
    expect(secretOf(plan).data).toEqual({ key: b64('updated-value') });
  });

  test('NilAnnotations: absent annotations become a map holding copied-from', () => {
    const secret = secretOf(
      planCopiedSecret({
        source: source({ key: b64('new-value') }),
        existing: target({}, { key: b64('value') }),
        targetNamespace: 'target-ns',
        owner: owner('test-session', 'test-uid-333'),
      }),
    );
    expect(secret.metadata?.annotations).toEqual({ [COPIED_FROM]: 'source-ns/ambient-vertex' });
  });

  test('NoSharedDataMutation: the inputs (owner refs, annotations, data) are left untouched', () => {
    const existing = target(
      {
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'existing-owner', uid: 'existing-uid-123' }],
        annotations: { keep: 'me' },
        labels: { own: 'label' },
      },
      { key: b64('old-value') },
    );
    const src = source({ key: b64('new-value') });
    const before = structuredClone({ existing, src });
    const secret = secretOf(
      planCopiedSecret({
        source: src,
        existing,
        targetNamespace: 'target-ns',
        owner: owner('s', 'new-uid-456'),
      }),
    );
    expect({ existing, src }).toEqual(before);
    expect(secret.metadata?.ownerReferences).not.toBe(existing.metadata?.ownerReferences);
    expect(secret.metadata?.annotations).toEqual({ keep: 'me', [COPIED_FROM]: 'source-ns/ambient-vertex' });
    expect(secret.metadata?.labels).toEqual({ own: 'label' });
    expect(secret.data).toEqual({ key: b64('new-value') });
  });
});

// Ports of upstream sessions_test (deleteAmbientVertexSecret) as a pure decision.
describe('shouldDeleteCopiedSecret', () => {
  const copied = { metadata: { annotations: { [COPIED_FROM]: 'source-ns/ambient-vertex' } } };

  test('a copied secret with no other active session is deleted', () => {
    expect(shouldDeleteCopiedSecret({ secret: copied, sessions: [], currentSession: 'me' })).toBe(true);
    expect(
      shouldDeleteCopiedSecret({
        secret: copied,
        sessions: [
          { name: 'me', phase: 'Running' },
          { name: 'done', phase: 'Completed' },
          { name: 'stopped', phase: 'Stopped' },
          { name: 'new' },
        ],
        currentSession: 'me',
      }),
    ).toBe(true);
  });

  test.each(['Pending', 'Creating', 'Running'])('kept while another session is %s', (phase) => {
    expect(
      shouldDeleteCopiedSecret({
        secret: copied,
        sessions: [{ name: 'other', phase }],
        currentSession: 'me',
      }),
    ).toBe(false);
  });

  test('a secret without the annotation (also without any annotations) is never deleted', () => {
    expect(
      shouldDeleteCopiedSecret({
        secret: { metadata: { annotations: { other: 'x' } } },
        sessions: [],
        currentSession: 'me',
      }),
    ).toBe(false);
    expect(shouldDeleteCopiedSecret({ secret: { metadata: {} }, sessions: [], currentSession: 'me' })).toBe(
      false,
    );
  });
});

describe('which secrets to copy', () => {
  test('follows the operator flags; only Vertex is required', () => {
    expect(
      platformSecretsToCopy({ vertexEnabled: false, langfuseEnabled: false, mlflowTracingEnabled: false }),
    ).toEqual([]);
    expect(
      platformSecretsToCopy({ vertexEnabled: true, langfuseEnabled: true, mlflowTracingEnabled: true }),
    ).toEqual([
      { name: 'ambient-vertex', required: true },
      { name: 'ambient-admin-langfuse-secret', required: false },
      { name: 'ambient-admin-mlflow-observability-secret', required: false },
    ]);
  });

  test('MLflow Kubernetes auth modes', () => {
    expect(usesMlflowKubernetesAuth({ MLFLOW_TRACKING_AUTH: 'kubernetes' })).toBe(true);
    expect(usesMlflowKubernetesAuth({ MLFLOW_TRACKING_AUTH: 'kubernetes-namespaced' })).toBe(true);
    expect(usesMlflowKubernetesAuth({ MLFLOW_TRACKING_AUTH: 'basic' })).toBe(false);
    expect(usesMlflowKubernetesAuth(undefined)).toBe(false);
  });
});
