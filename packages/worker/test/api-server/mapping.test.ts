import { describe, expect, it } from 'vitest';
import type { ApiProjectSettings, ApiSession } from '@ambient-operator/api-contract';
import {
  API_SESSION_ID_LABEL,
  BOT_ACCOUNT_ANNOTATION,
  RESOURCE_OVERRIDES_ANNOTATION,
} from '@ambient-operator/shared';
import {
  invalidSessionWriteBack,
  mapSessionToCr,
  pendingPhaseRequest,
  planGroupBindings,
  projectNamespaceLabels,
  projectNamespaceName,
  statusWriteBack,
} from '@ambient-operator/worker';

const ID = '2Ab3Cd4Ef5Gh6Ij7Kl8Mn9Op0Qr';

function session(fields: Partial<ApiSession> = {}): ApiSession {
  return { id: ID, kind: 'Session', name: 'Fix the bug', kube_cr_name: ID, project_id: 'team-a', ...fields };
}

describe('API session → AgenticSession', () => {
  it('maps every field the contract names', () => {
    const mapping = mapSessionToCr(
      session({
        prompt: 'do it',
        timeout: 600,
        repos: '[{"url":"https://git/a"},{"url":"https://git/b","branch":"dev"}]',
        llm_model: 'opus',
        llm_temperature: 0.2,
        llm_max_tokens: 8000,
        created_by_user_id: 'alice',
        bot_account_name: 'bot-1',
        resource_overrides: '{"cpu":"2"}',
        environment_variables: '{"A":"1"}',
        labels: '{"team":"a"}',
        annotations: '{"note":"x"}',
      }),
    );
    expect(mapping).toEqual({
      ok: true,
      plan: {
        namespace: 'team-a',
        name: ID.toLowerCase(),
        spec: {
          displayName: 'Fix the bug',
          initialPrompt: 'do it',
          timeout: 600,
          repos: [
            { url: 'https://git/a', branch: `ambient/${ID.toLowerCase()}`, autoPush: false },
            { url: 'https://git/b', branch: 'dev', autoPush: false },
          ],
          llmSettings: { model: 'opus', temperature: 0.2, maxTokens: 8000 },
          userContext: { userId: 'alice' },
          environmentVariables: { A: '1' },
        },
        labels: { team: 'a', [API_SESSION_ID_LABEL]: ID, 'ambient-code.io/project-id': 'team-a' },
        annotations: {
          note: 'x',
          [BOT_ACCOUNT_ANNOTATION]: 'bot-1',
          [RESOURCE_OVERRIDES_ANNOTATION]: '{"cpu":"2"}',
        },
      },
    });
  });

  it('uses repo_url when there are no repos, and falls back to kube_namespace, then default', () => {
    const plan = mapSessionToCr(
      session({ repo_url: 'https://git/r', project_id: undefined, kube_namespace: 'ns1' }),
    );
    expect(plan.ok && plan.plan.spec.repos).toEqual([
      { url: 'https://git/r', branch: `ambient/${ID.toLowerCase()}`, autoPush: false },
    ]);
    expect(plan.ok && plan.plan.namespace).toBe('ns1');
    const bare = mapSessionToCr(session({ project_id: undefined }));
    expect(bare.ok && bare.plan.namespace).toBe('default');
  });

  it('reports invalid JSON, values and names as problems instead of a CR', () => {
    const mapping = mapSessionToCr(
      session({
        repos: '[{"branch":"x"}]',
        environment_variables: '{"A":1}',
        labels: 'not json',
        kube_cr_name: 'Bad_Name!',
      }),
    );
    expect(mapping.ok).toBe(false);
    expect(!mapping.ok && mapping.problems).toEqual(
      expect.arrayContaining([
        'repos[0].url must be a non-empty string',
        'environment_variables.A must be a string',
        'labels is not valid JSON',
        expect.stringContaining('bad_name!'),
      ]),
    );
  });
});

describe('status write-back', () => {
  const cr = {
    metadata: { uid: 'u1', namespace: 'team-a' },
    status: {
      phase: 'Running' as const,
      startTime: '2026-01-02T03:04:05.123456Z',
      conditions: [{ type: 'Ready', status: 'True' as const, reason: 'Running' }],
    },
  };

  it('writes what differs, and nothing once the API holds it (echo suppression from data)', () => {
    const first = statusWriteBack(cr, session());
    expect(first).toEqual({
      kube_cr_uid: 'u1',
      kube_namespace: 'team-a',
      phase: 'Running',
      start_time: '2026-01-02T03:04:05.123456Z',
      conditions: '[{"type":"Ready","status":"True","reason":"Running"}]',
    });
    // the API stores µs and may serialize JSON with another key order: still equal
    const held = session({
      ...first,
      start_time: '2026-01-02T03:04:05.123456000Z',
      conditions: '[{"reason":"Running","status":"True","type":"Ready"}]',
    });
    expect(statusWriteBack(cr, held)).toBeUndefined();
    expect(statusWriteBack({ ...cr, status: { ...cr.status, phase: 'Completed' } }, held)).toEqual({
      phase: 'Completed',
    });
  });

  it('never overwrites a pending stop or start with the phase it asks to leave', () => {
    expect(pendingPhaseRequest('Stopping', 'Running')).toBe('Stopped');
    expect(pendingPhaseRequest('Pending', 'Stopped')).toBe('Running');
    expect(pendingPhaseRequest('Stopping', 'Stopping')).toBeUndefined();
    expect(pendingPhaseRequest('Running', 'Running')).toBeUndefined();
    const stopping = session({ phase: 'Stopping', kube_cr_uid: 'u1', kube_namespace: 'team-a' });
    expect(statusWriteBack(cr, stopping)?.phase).toBeUndefined();
    expect(statusWriteBack({ ...cr, status: { ...cr.status, phase: 'Stopped' } }, stopping)?.phase).toBe(
      'Stopped',
    );
  });

  it('reports a mapping failure once', () => {
    const patch = invalidSessionWriteBack(session(), ['labels is not valid JSON']);
    expect(patch?.phase).toBe('Failed');
    expect(invalidSessionWriteBack(session({ ...patch }), ['labels is not valid JSON'])).toBeUndefined();
  });
});

describe('projects and project settings', () => {
  it('gives the namespace of the project id with the managed labels', () => {
    expect(projectNamespaceName({ id: 'team-a' })).toBe('team-a');
    expect(projectNamespaceLabels('team-a')).toEqual({
      'ambient-code.io/managed': 'true',
      'ambient-code.io/managed-by': 'ambient-control-plane',
      'ambient-code.io/project-id': 'team-a',
    });
  });

  it('plans one RoleBinding per {group, role}; invalid JSON and invalid names only warn', () => {
    const ps = (group_access: string): ApiProjectSettings => ({
      id: 'x',
      kind: 'ProjectSettings',
      project_id: 'team-a',
      group_access,
    });
    const plan = planGroupBindings(
      ps('[{"group":"devs","role":"edit"},{"group":"Bad Group","role":"view"}]'),
      'team-a',
    );
    expect(plan.bindings).toHaveLength(1);
    expect(plan.bindings[0]).toMatchObject({
      metadata: { name: 'ambient-devs-edit', namespace: 'team-a' },
      roleRef: { kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'Group', name: 'devs' }],
    });
    expect(plan.warnings).toHaveLength(1);
    expect(planGroupBindings(ps('{oops'), 'team-a')).toEqual({
      bindings: [],
      warnings: ['group_access is not valid JSON; nothing changed'],
    });
  });
});
