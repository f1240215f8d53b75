import { describe, expect, it } from 'vitest';
import {
  accessesOf,
  allows,
  grantsOf,
  parseManifests,
  rbacViolations,
  WRITE_VERBS,
  type Access,
  type PolicyRule,
} from '@ambient-operator/deploy-tests';
import { BUILD_NAMES, build } from './support/builds.js';

const SESSIONS = 'vteam.ambient-code';
/** The operator's namespace: the platform's, as the Go operator's. */
const OPERATOR = 'ambient-code';
/** BACKEND_NAMESPACE: source of the platform secrets the worker copies. */
const BACKEND = 'ambient-code';
const WATCHER = { namespace: OPERATOR, name: 'ambient-watcher' };
const WORKER = { namespace: OPERATOR, name: 'ambient-worker' };
/** A project namespace, where sessions and their children live. */
const PROJECT = 'demo';
const SCHEDULER = 'scheduler.ambient-code.io';
/** A UserDeployment's target namespace (`ud-<name>`), where its children live. */
const USER_APP = 'ud-shop';

const denied = (grants: Parameters<typeof allows>[0], accesses: readonly Access[]): Access[] =>
  accesses.filter((a) => !allows(grants, a));
const granted = (grants: Parameters<typeof allows>[0], accesses: readonly Access[]): Access[] =>
  accesses.filter((a) => allows(grants, a));
const each = (
  apiGroup: string,
  resources: string[],
  verbs: readonly string[],
  namespace?: string,
): Access[] =>
  resources.flatMap((resource) =>
    verbs.map((verb) => ({ apiGroup, resource, verb, ...(namespace === undefined ? {} : { namespace }) })),
  );

describe('RBAC', () => {
  it.each(BUILD_NAMES)(
    '%s: no wildcards, no escalate/impersonate, bind only on named roles',
    async (name) => {
      expect(rbacViolations(await build(name))).toEqual([]);
    },
  );

  it('the review rules catch wildcards, escalate and unrestricted bind', () => {
    const role = parseManifests(
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: greedy}
rules:
  - {apiGroups: ['*'], resources: [pods], verbs: [get]}
  - {apiGroups: [''], resources: [secrets], verbs: ['*']}
  - {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind, escalate]}
`,
      'fixture',
    );
    expect(rbacViolations(role)).toEqual([
      'ClusterRole/greedy rule 0: wildcard in apiGroups',
      'ClusterRole/greedy rule 1: wildcard in verbs',
      'ClusterRole/greedy rule 2: grants escalate',
      'ClusterRole/greedy rule 2: grants bind on any role (no resourceNames)',
    ]);
  });
});

describe('the watcher only lists and watches (and holds its Lease)', () => {
  it('lists and watches everything it watches, in every namespace, and reads no single object', async () => {
    const grants = grantsOf(await build('production'), WATCHER);
    const reads = [
      ...each(SESSIONS, ['agenticsessions', 'projectsettings'], ['list', 'watch']),
      ...each(SCHEDULER, ['agenttasks', 'workflows'], ['list', 'watch']),
      ...each('', ['namespaces', 'pods'], ['list', 'watch']),
      ...each('batch', ['jobs'], ['list', 'watch']),
      ...each(SCHEDULER, ['userdeployments'], ['list', 'watch']),
      ...each('apps', ['deployments'], ['list', 'watch']),
      ...each('', ['configmaps'], ['list', 'watch']),
    ];
    expect(denied(grants, reads)).toEqual([]);
    expect(
      denied(
        grants,
        reads.map((a) => ({ ...a, namespace: PROJECT })),
      ),
    ).toEqual([]);
    // The audit of the real-cluster runs (docs/rbac.md) found no GET but the Lease's.
    expect(
      granted(
        grants,
        reads.map((a) => ({ ...a, verb: 'get' })),
      ),
    ).toEqual([]);
  });

  it('cannot change sessions, settings, runners or anything else a reconcile touches', async () => {
    const grants = grantsOf(await build('production'), WATCHER);
    const writes = [
      ...each(
        SESSIONS,
        ['agenticsessions', 'agenticsessions/status', 'projectsettings', 'projectsettings/status'],
        WRITE_VERBS,
        PROJECT,
      ),
      ...each(
        SCHEDULER,
        ['agenttasks', 'agenttasks/status', 'workflows', 'workflows/status'],
        WRITE_VERBS,
        PROJECT,
      ),
      ...each(
        '',
        ['pods', 'services', 'secrets', 'serviceaccounts', 'configmaps', 'namespaces'],
        WRITE_VERBS,
        PROJECT,
      ),
      ...each('batch', ['jobs'], WRITE_VERBS, PROJECT),
      ...each('rbac.authorization.k8s.io', ['roles', 'rolebindings'], WRITE_VERBS, PROJECT),
      ...each(SCHEDULER, ['userdeployments', 'userdeployments/status'], WRITE_VERBS, PROJECT),
      ...each('apps', ['deployments'], WRITE_VERBS, PROJECT),
    ];
    expect(granted(grants, writes)).toEqual([]);
    expect(granted(grants, each('', ['secrets'], ['get', 'list'], PROJECT))).toEqual([]);
  });

  it('holds its Lease in its own namespace only, and records no Events', async () => {
    const grants = grantsOf(await build('production'), WATCHER);
    expect(
      denied(grants, each('coordination.k8s.io', ['leases'], ['get', 'create', 'update'], OPERATOR)),
    ).toEqual([]);
    expect(
      granted(grants, [
        ...each('', ['events'], ['create'], OPERATOR),
        ...each('events.k8s.io', ['events'], ['create'], OPERATOR),
      ]),
    ).toEqual([]);
    expect(
      granted(grants, each('coordination.k8s.io', ['leases'], ['get', 'create', 'update'], PROJECT)),
    ).toEqual([]);
    expect(granted(grants, each('coordination.k8s.io', ['leases'], ['delete'], OPERATOR))).toEqual([]);
  });
});

describe('the worker can do what reconciling needs, and no more', () => {
  const needs: Access[] = [
    ...each(SESSIONS, ['agenticsessions'], ['get', 'list', 'watch', 'update', 'patch'], PROJECT),
    ...each(SESSIONS, ['agenticsessions/status'], ['get', 'update', 'patch'], PROJECT),
    ...each(SESSIONS, ['projectsettings'], ['get', 'list', 'create'], PROJECT),
    ...each(SESSIONS, ['projectsettings/status'], ['update', 'patch'], PROJECT),
    ...each('batch', ['jobs'], ['get', 'list', 'create', 'delete'], PROJECT),
    ...each('', ['pods'], ['get', 'list', 'delete'], PROJECT),
    ...each('', ['services'], ['get', 'create', 'delete', 'patch'], PROJECT),
    ...each('', ['serviceaccounts'], ['get', 'create', 'patch', 'delete'], PROJECT),
    ...each('', ['serviceaccounts/token'], ['create'], PROJECT),
    ...each(
      'rbac.authorization.k8s.io',
      ['roles', 'rolebindings'],
      ['get', 'create', 'update', 'patch', 'delete'],
      PROJECT,
    ),
    ...each('', ['secrets'], ['get', 'list', 'create', 'update', 'patch', 'delete'], PROJECT),
    // Platform secrets are copied from BACKEND_NAMESPACE.
    ...each('', ['secrets'], ['get'], BACKEND),
    ...each('', ['configmaps'], ['get'], PROJECT),
    ...each('', ['limitranges'], ['get', 'create', 'update'], PROJECT),
    ...each('networking.k8s.io', ['networkpolicies'], ['get', 'create', 'update', 'patch'], PROJECT),
    ...each('', ['events'], ['create', 'patch', 'list'], PROJECT),
    ...each('events.k8s.io', ['events'], ['create', 'get', 'patch'], PROJECT),
    ...each('', ['namespaces'], ['get', 'list']),
    // The namespace-wide inputs of a runner build are watched by name, cluster-wide (worker/src/watched-inputs.ts).
    ...each('', ['secrets', 'namespaces'], ['list', 'watch']),
    ...each('networking.k8s.io', ['networkpolicies'], ['list', 'watch']),
    ...each(SESSIONS, ['projectsettings'], ['list', 'watch']),
    // The start-up check of the AgenticSession CRD (worker/src/cluster-probe.ts).
    {
      apiGroup: 'apiextensions.k8s.io',
      resource: 'customresourcedefinitions',
      verb: 'get',
      name: 'agenticsessions.vteam.ambient-code',
    },
    // UserDeployments: the CR, its status and finalizer, and its children in the target namespace.
    ...each(SCHEDULER, ['userdeployments'], ['get', 'list', 'patch'], PROJECT),
    ...each(SCHEDULER, ['userdeployments/status'], ['get', 'update', 'patch'], PROJECT),
    ...each('', ['namespaces'], ['create', 'delete']),
    // A child that differs from its desired state is replaced (update: user-deployment/child-kinds.ts).
    ...each('', ['configmaps'], ['get', 'list', 'create', 'update', 'patch', 'delete'], USER_APP),
    ...each('', ['services'], ['get', 'list', 'create', 'update', 'patch', 'delete'], USER_APP),
    ...each('apps', ['deployments'], ['get', 'list', 'create', 'update', 'patch', 'delete'], USER_APP),
    ...each(
      'networking.k8s.io',
      ['ingresses'],
      ['get', 'list', 'create', 'update', 'patch', 'delete'],
      USER_APP,
    ),
    ...each('networking.k8s.io', ['networkpolicies'], ['get', 'list', 'create', 'patch', 'delete'], USER_APP),
    ...each(
      'external-secrets.io',
      ['externalsecrets'],
      ['get', 'list', 'create', 'update', 'patch', 'delete'],
      USER_APP,
    ),
    ...each(SCHEDULER, ['agenttasks'], ['get', 'list', 'create'], PROJECT),
    ...each(SCHEDULER, ['workflows'], ['get', 'list'], PROJECT),
    ...each(SCHEDULER, ['agenttasks/status', 'workflows/status'], ['get', 'update', 'patch'], PROJECT),
  ];

  it('every API call of a reconcile is allowed', async () => {
    expect(denied(grantsOf(await build('production'), WORKER), needs)).toEqual([]);
  });

  it('holds every rule of the Roles it creates (Kubernetes refuses to let it grant more than it has)', async () => {
    const grants = grantsOf(await build('production'), WORKER);
    // Contract §3.1: the runner Role; §8.2: the session-trigger Role.
    const runnerRole: PolicyRule[] = [
      {
        apiGroups: [SESSIONS],
        resources: ['agenticsessions'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
      },
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
      { apiGroups: ['mlflow.kubeflow.org'], resources: ['experiments'], verbs: ['get', 'list', 'update'] },
    ];
    const triggerRole: PolicyRule[] = [
      { apiGroups: [SESSIONS], resources: ['agenticsessions'], verbs: ['create', 'get', 'list', 'update'] },
    ];
    const required = [...runnerRole, ...triggerRole].flatMap((rule) => accessesOf(rule, PROJECT));
    expect(denied(grants, required)).toEqual([]);
  });

  // The platform defines these ClusterRoles (deploy/ must not: platform-coexistence.test.ts); binding a
  // group to one needs only `bind` on its name.
  it("may bind groups to the platform's ambient-project-* ClusterRoles and to no other role", async () => {
    const grants = grantsOf(await build('production'), WORKER);
    const bind = (name: string): Access => ({
      apiGroup: 'rbac.authorization.k8s.io',
      resource: 'clusterroles',
      verb: 'bind',
      name,
    });
    for (const role of ['admin', 'edit', 'view']) {
      expect(allows(grants, bind(`ambient-project-${role}`)), role).toBe(true);
    }
    expect(allows(grants, bind('cluster-admin'))).toBe(false);
    expect(allows(grants, { ...bind('ambient-project-admin'), verb: 'escalate' })).toBe(false);
  });

  it('cannot delete sessions, create bare pods, touch Leases or cluster RBAC', async () => {
    const grants = grantsOf(await build('production'), WORKER);
    expect(
      granted(grants, [
        ...each(SESSIONS, ['agenticsessions'], ['delete', 'deletecollection'], PROJECT),
        // Tasks and workflows are the users'; step tasks go with their workflow through the GC.
        ...each(SCHEDULER, ['agenttasks', 'workflows'], ['update', 'patch', 'delete'], PROJECT),
        ...each(SCHEDULER, ['workflows'], ['create'], PROJECT),
        ...each('', ['pods'], ['create', 'update', 'patch'], PROJECT),
        ...each('coordination.k8s.io', ['leases'], ['get', 'create', 'update'], OPERATOR),
        ...each(
          'rbac.authorization.k8s.io',
          ['clusterroles', 'clusterrolebindings'],
          ['create', 'update', 'patch', 'delete'],
        ),
        // Namespaces are created and deleted for UserDeployments, never changed.
        ...each('', ['namespaces'], ['update', 'patch', 'deletecollection']),
        ...each(SCHEDULER, ['userdeployments'], ['create', 'update', 'delete', 'deletecollection'], PROJECT),
        ...each('apiextensions.k8s.io', ['customresourcedefinitions'], WRITE_VERBS),
        // It reads what a key names and watches only a build's namespace-wide inputs (the watcher watches the
        // rest) nor reads logs (docs/rbac.md).
        ...each('batch', ['jobs'], ['watch'], PROJECT),
        ...each('', ['pods', 'configmaps'], ['watch'], PROJECT),
        ...each(SCHEDULER, ['agenttasks', 'workflows', 'userdeployments'], ['watch'], PROJECT),
        ...each('', ['pods/log'], ['get'], PROJECT),
      ]),
    ).toEqual([]);
  });
});

describe('the api-server source component grants the worker what only that source needs', () => {
  // worker/src/api-server: a project's existing namespace gets its managed labels; a session deleted in the API
  // deletes its AgenticSession.
  const sourceNeeds = [
    ...each('', ['namespaces'], ['patch']),
    ...each(SESSIONS, ['agenticsessions'], ['delete'], PROJECT),
  ];

  it('with the component: allowed, and nothing more than deploy/base beside them', async () => {
    const objects = await build('production+api-server-source');
    expect(denied(grantsOf(objects, WORKER), sourceNeeds)).toEqual([]);
    const extra = objects.filter((o) => o.metadata.name === 'ambient-worker-api-server-source');
    expect(extra.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding']);
    expect(
      granted(grantsOf(objects, WORKER), [
        ...each('', ['namespaces'], ['update', 'deletecollection']),
        ...each(SESSIONS, ['agenticsessions'], ['deletecollection'], PROJECT),
      ]),
    ).toEqual([]);
    expect(granted(grantsOf(objects, WATCHER), sourceNeeds)).toEqual([]);
  });

  it('without it: refused', async () => {
    expect(granted(grantsOf(await build('production'), WORKER), sourceNeeds)).toEqual([]);
  });
});
