// The objects a ProjectSettings owns, as upstream's projectsettings_test pins them (contract §9), built without I/O.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMIT_RANGE_NAME,
  GROUP_ACCESS_LABEL,
  SESSION_TRIGGER_NAME,
  buildDefaultLimitRange,
  buildDefaultProjectSettings,
  buildGroupRoleBinding,
  buildSessionTriggerRole,
  buildSessionTriggerRoleBinding,
  buildSessionTriggerServiceAccount,
  isControlledByProjectSettings,
  projectClusterRoleName,
  wantsProjectSettings,
} from '@ambient-operator/worker';

const owner = (namespace: string) => ({ namespace, name: 'projectsettings', uid: `uid-${namespace}` });
const ownerRef = (namespace: string) => ({
  apiVersion: 'vteam.ambient-code/v1alpha1',
  kind: 'ProjectSettings',
  name: 'projectsettings',
  uid: `uid-${namespace}`,
  controller: true,
});

describe('LimitRange ambient-default-limits', () => {
  it('defaults containers to 250m/256Mi requests and 2/4Gi limits, labelled managed, owned by the ProjectSettings', () => {
    const lr = buildDefaultLimitRange(owner('team-a'));
    expect(lr.metadata).toEqual({
      name: DEFAULT_LIMIT_RANGE_NAME,
      namespace: 'team-a',
      labels: { 'ambient-code.io/managed': 'true' },
      ownerReferences: [ownerRef('team-a')],
    });
    expect(DEFAULT_LIMIT_RANGE_NAME).toBe('ambient-default-limits');
    expect(lr.spec?.limits).toEqual([
      {
        type: 'Container',
        defaultRequest: { cpu: '250m', memory: '256Mi' },
        default: { cpu: '2', memory: '4Gi' },
      },
    ]);
  });

  it('is built per namespace, and the same input gives the same object', () => {
    expect(buildDefaultLimitRange(owner('team-b')).metadata?.namespace).toBe('team-b');
    expect(buildDefaultLimitRange(owner('team-a'))).toEqual(buildDefaultLimitRange(owner('team-a')));
  });
});

describe('session-trigger RBAC', () => {
  it('ServiceAccount, Role and RoleBinding are all ambient-session-trigger, labelled managed, owned by the ProjectSettings', () => {
    for (const object of [
      buildSessionTriggerServiceAccount(owner('team-a')),
      buildSessionTriggerRole(owner('team-a')),
      buildSessionTriggerRoleBinding(owner('team-a')),
    ]) {
      expect(object.metadata).toEqual({
        name: SESSION_TRIGGER_NAME,
        namespace: 'team-a',
        labels: { 'ambient-code.io/managed': 'true' },
        ownerReferences: [ownerRef('team-a')],
      });
    }
    expect(SESSION_TRIGGER_NAME).toBe('ambient-session-trigger');
  });

  it('the Role has one rule: agenticsessions create, get, list, update (what session-trigger calls)', () => {
    expect(buildSessionTriggerRole(owner('team-a')).rules).toEqual([
      {
        apiGroups: ['vteam.ambient-code'],
        resources: ['agenticsessions'],
        verbs: ['create', 'get', 'list', 'update'],
      },
    ]);
  });

  it('the RoleBinding binds the Role to the ServiceAccount of the same namespace', () => {
    const rb = buildSessionTriggerRoleBinding(owner('team-b'));
    expect(rb.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: SESSION_TRIGGER_NAME,
    });
    expect(rb.subjects).toEqual([
      { kind: 'ServiceAccount', name: SESSION_TRIGGER_NAME, namespace: 'team-b' },
    ]);
  });
});

describe('group access RoleBindings', () => {
  it('<group>-<role> binds the Group to ClusterRole ambient-project-<role>, with the labels pruning selects by', () => {
    const rb = buildGroupRoleBinding(owner('team-a'), { groupName: 'devs', role: 'edit' });
    expect(rb.metadata).toEqual({
      name: 'devs-edit',
      namespace: 'team-a',
      labels: { 'ambient-code.io/managed': 'true', [GROUP_ACCESS_LABEL]: 'projectsettings' },
      ownerReferences: [ownerRef('team-a')],
    });
    expect(rb.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'ambient-project-edit',
    });
    expect(rb.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'devs' }]);
  });

  it('maps admin, edit and view (any case) to their ClusterRole and anything else to view', () => {
    expect(projectClusterRoleName('admin')).toBe('ambient-project-admin');
    expect(projectClusterRoleName('Edit')).toBe('ambient-project-edit');
    expect(projectClusterRoleName('view')).toBe('ambient-project-view');
    expect(projectClusterRoleName('owner')).toBe('ambient-project-view');
  });
});

describe('what makes a child ours', () => {
  it('a controller reference to the namespace ProjectSettings, whatever its uid; nothing else', () => {
    expect(isControlledByProjectSettings({ ownerReferences: [ownerRef('team-a')] })).toBe(true);
    expect(isControlledByProjectSettings({ ownerReferences: [{ ...ownerRef('x'), uid: 'older' }] })).toBe(
      true,
    );
    expect(
      isControlledByProjectSettings({ ownerReferences: [{ ...ownerRef('x'), controller: false }] }),
    ).toBe(false);
    expect(
      isControlledByProjectSettings({ ownerReferences: [{ ...ownerRef('x'), kind: 'AgenticSession' }] }),
    ).toBe(false);
    expect(isControlledByProjectSettings({ labels: { 'ambient-code.io/managed': 'true' } })).toBe(false);
    expect(isControlledByProjectSettings(undefined)).toBe(false);
  });
});

describe('default ProjectSettings of managed namespaces', () => {
  it('only a namespace labelled ambient-code.io/managed=true and not terminating asks for one', () => {
    const ns = (labels: Record<string, string>, extra: object = {}) => ({
      metadata: { name: 'n', labels },
      ...extra,
    });
    expect(wantsProjectSettings(ns({ 'ambient-code.io/managed': 'true' }))).toBe(true);
    expect(wantsProjectSettings(ns({ 'ambient-code.io/managed': 'false' }))).toBe(false);
    expect(wantsProjectSettings(ns({}))).toBe(false);
    expect(wantsProjectSettings(null)).toBe(false);
    expect(
      wantsProjectSettings(ns({ 'ambient-code.io/managed': 'true' }, { status: { phase: 'Terminating' } })),
    ).toBe(false);
  });

  it('is the singleton with an empty groupAccess (the API fills in the defaults)', () => {
    expect(buildDefaultProjectSettings('team-a')).toEqual({
      apiVersion: 'vteam.ambient-code/v1alpha1',
      kind: 'ProjectSettings',
      metadata: { name: 'projectsettings', namespace: 'team-a' },
      spec: { groupAccess: [] },
    });
  });
});
