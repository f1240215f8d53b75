// The differential fidelity suite's cases: each runs the same requests against kube-sim and the real API server
// (in a namespace of its own) and returns what is compared, after normalisation (normalise.ts).
import type { RawRequest, RawResponse } from './http.js';

export interface CaseContext {
  /** This case's namespace (created before the case, identically on both). */
  ns: string;
  send(req: RawRequest): Promise<RawResponse>;
  kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /**
   * Makes resourceVersion 1 too old to watch LimitRanges from. kube-sim forgets its watch history; the real API
   * server (a short etcd compaction interval, LimitRanges served without its watch cache) waits for etcd's next
   * compaction.
   */
  compactHistory(): Promise<void>;
}

export interface FidelityCase {
  name: string;
  /** The observations compared between the two servers. */
  run(ctx: CaseContext): Promise<unknown[]>;
}

const cm = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...extra },
  data: { a: '1' },
});
const cms = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;
const AS = (ns: string) => `/apis/vteam.ambient-code/v1alpha1/namespaces/${ns}/agenticsessions`;
const session = (name: string, spec: Record<string, unknown> = { initialPrompt: 'hi' }) => ({
  apiVersion: 'vteam.ambient-code/v1alpha1',
  kind: 'AgenticSession',
  metadata: { name },
  spec,
});
const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
const METADATA = 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json';
const job = (name: string) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name },
  spec: {
    backoffLimit: 0,
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] } },
  },
});
const deployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'main', image: 'busybox', env: [{ name: 'A', value: '1' }] }] },
    },
  },
});

/**
 * kubectl's output with what legitimately differs made comparable: ages, and the column padding they (and
 * normalised uids) change; temporary file names of `kubectl diff`.
 */
function printed(result: { code: number; stdout: string; stderr: string }): unknown {
  const text = (s: string) =>
    s
      .replace(/\b\d+(ms|s|m|h|d)(\d+s)?\b/g, '<age>')
      .replace(/\/tmp\/(LIVE|MERGED)-\d+/g, '/tmp/$1')
      .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000/g, '<time>')
      .replace(/[ \t]+/g, ' ');
  return { code: result.code, stdout: text(result.stdout), stderr: text(result.stderr) };
}

async function seed(ctx: CaseContext, n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    await ctx.send({
      method: 'POST',
      path: cms(ctx.ns),
      body: cm(`cm-${i}`, { labels: { app: i % 2 ? 'b' : 'a' } }),
    });
}

// Lists and watches of ConfigMaps select `app` (every seeded object has it): the real control plane puts a
// `kube-root-ca.crt` ConfigMap in every namespace, kube-sim does not.
export const CASES: FidelityCase[] = [
  {
    name: 'create a ConfigMap (201 and the stored object)',
    run: async ({ ns, send }) => [await send({ method: 'POST', path: cms(ns), body: cm('one') })],
  },
  {
    name: 'get a missing object: 404 NotFound Status',
    run: async ({ ns, send }) => [await send({ method: 'GET', path: `${cms(ns)}/missing` })],
  },
  {
    name: 'create an existing object: 409 AlreadyExists Status',
    run: async ({ ns, send }) => {
      await send({ method: 'POST', path: cms(ns), body: cm('dup') });
      return [await send({ method: 'POST', path: cms(ns), body: cm('dup') })];
    },
  },
  {
    name: 'create with an invalid name: 422 Invalid with causes',
    run: async ({ ns, send }) => [await send({ method: 'POST', path: cms(ns), body: cm('Bad_Name') })],
  },
  {
    name: 'generateName and dryRun=All',
    run: async ({ ns, send }) => [
      await send({ method: 'POST', path: `${cms(ns)}?dryRun=All`, body: cm('dry') }),
      await send({ method: 'GET', path: `${cms(ns)}/dry` }),
      await send({
        method: 'POST',
        path: cms(ns),
        body: { ...cm(''), metadata: { generateName: 'gen-' } },
      }).then((r) => ({
        status: r.status,
        prefix: String((r.body as { metadata?: { name?: string } }).metadata?.name).slice(0, 4),
      })),
    ],
  },
  {
    name: 'list with a label selector',
    run: async (ctx) => {
      await seed(ctx, 3);
      return [await ctx.send({ method: 'GET', path: `${cms(ctx.ns)}?labelSelector=app%3Da` })];
    },
  },
  {
    name: 'list with a field selector on metadata.name',
    run: async (ctx) => {
      await seed(ctx, 2);
      return [await ctx.send({ method: 'GET', path: `${cms(ctx.ns)}?fieldSelector=metadata.name%3Dcm-1` })];
    },
  },
  {
    name: 'list with an unsupported field selector: 400',
    run: async ({ ns, send }) => [await send({ method: 'GET', path: `${cms(ns)}?fieldSelector=data.a%3D1` })],
  },
  {
    name: 'pagination with limit and continue',
    run: async (ctx) => {
      await seed(ctx, 3);
      const first = await ctx.send({ method: 'GET', path: `${cms(ctx.ns)}?labelSelector=app&limit=2` });
      const token = (first.body as { metadata?: { continue?: string } }).metadata?.continue ?? '';
      const second = await ctx.send({
        method: 'GET',
        path: `${cms(ctx.ns)}?labelSelector=app&limit=2&continue=${encodeURIComponent(token)}`,
      });
      return [first, second];
    },
  },
  {
    name: 'a Table of ConfigMaps',
    run: async (ctx) => {
      await seed(ctx, 1);
      return [await ctx.send({ method: 'GET', path: `${cms(ctx.ns)}?labelSelector=app`, accept: TABLE })];
    },
  },
  {
    name: 'a PartialObjectMetadataList',
    run: async (ctx) => {
      await seed(ctx, 1);
      return [await ctx.send({ method: 'GET', path: `${cms(ctx.ns)}?labelSelector=app`, accept: METADATA })];
    },
  },
  {
    name: 'merge, JSON and strategic merge patches of a ConfigMap',
    run: async ({ ns, send }) => {
      await send({ method: 'POST', path: cms(ns), body: cm('p') });
      return [
        await send({
          method: 'PATCH',
          path: `${cms(ns)}/p`,
          contentType: MERGE_PATCH,
          body: { data: { b: '2' } },
        }),
        await send({
          method: 'PATCH',
          path: `${cms(ns)}/p`,
          contentType: JSON_PATCH,
          body: [{ op: 'add', path: '/data/c', value: '3' }],
        }),
        await send({
          method: 'PATCH',
          path: `${cms(ns)}/p`,
          contentType: STRATEGIC,
          body: { data: { a: null } },
        }),
        await send({
          method: 'PATCH',
          path: `${cms(ns)}/p`,
          contentType: JSON_PATCH,
          body: [{ op: 'test', path: '/data/b', value: 'wrong' }],
        }),
      ];
    },
  },
  {
    name: 'strategic merge patch of a Deployment merges containers by name',
    run: async ({ ns, send }) => {
      const path = `/apis/apps/v1/namespaces/${ns}/deployments`;
      await send({ method: 'POST', path, body: deployment('d') });
      const patched = await send({
        method: 'PATCH',
        path: `${path}/d`,
        contentType: STRATEGIC,
        body: {
          spec: { template: { spec: { containers: [{ name: 'main', env: [{ name: 'B', value: '2' }] }] } } },
        },
      });
      return [(patched.body as { spec?: { template?: unknown } }).spec?.template, patched.status];
    },
  },
  {
    name: 'server-side apply creates, and a second manager conflicts',
    run: async ({ ns, send }) => {
      const body = JSON.stringify(cm('applied'));
      return [
        await send({
          method: 'PATCH',
          path: `${cms(ns)}/applied?fieldManager=one`,
          contentType: APPLY,
          body,
        }),
        await send({
          method: 'PATCH',
          path: `${cms(ns)}/applied?fieldManager=two`,
          contentType: APPLY,
          body: JSON.stringify({ ...cm('applied'), data: { a: '2' } }),
        }),
      ];
    },
  },
  {
    name: 'create a custom resource (schema defaults applied)',
    run: async ({ ns, send }) => [
      await send({
        method: 'POST',
        path: AS(ns),
        body: session('s', { initialPrompt: 'hi', repos: [{ url: 'https://example.com/r.git' }] }),
      }),
    ],
  },
  {
    name: 'custom resource validation: 422 Invalid',
    run: async ({ ns, send }) => [
      await send({ method: 'POST', path: AS(ns), body: session('bad', { repos: [{ branch: 'x' }] }) }),
    ],
  },
  {
    name: 'strategic merge patch of a custom resource: 415',
    run: async ({ ns, send }) => {
      await send({ method: 'POST', path: AS(ns), body: session('smp') });
      return [
        await send({
          method: 'PATCH',
          path: `${AS(ns)}/smp`,
          contentType: STRATEGIC,
          body: { spec: { x: 1 } },
        }),
      ];
    },
  },
  {
    name: 'status subresource: /status writes status only, the main resource ignores status',
    run: async ({ ns, send }) => {
      await send({ method: 'POST', path: AS(ns), body: session('st') });
      const status = await send({
        method: 'PATCH',
        path: `${AS(ns)}/st/status`,
        contentType: MERGE_PATCH,
        body: { status: { phase: 'Running' }, spec: { initialPrompt: 'changed' } },
      });
      const main = await send({
        method: 'PATCH',
        path: `${AS(ns)}/st`,
        contentType: MERGE_PATCH,
        body: { status: { phase: 'Failed' } },
      });
      return [status, main];
    },
  },
  {
    name: 'custom resource field selectors: metadata.name works, spec fields are refused',
    run: async ({ ns, send }) => {
      await send({ method: 'POST', path: AS(ns), body: session('fs') });
      return [
        await send({ method: 'GET', path: `${AS(ns)}?fieldSelector=metadata.name%3Dfs` }),
        await send({ method: 'GET', path: `${AS(ns)}?fieldSelector=spec.initialPrompt%3Dhi` }),
      ];
    },
  },
  {
    name: 'PUT of a custom resource without resourceVersion',
    run: async ({ ns, send }) => {
      await send({ method: 'POST', path: AS(ns), body: session('put') });
      return [
        await send({ method: 'PUT', path: `${AS(ns)}/put`, body: session('put', { initialPrompt: 'new' }) }),
      ];
    },
  },
  {
    name: 'delete with a finalizer: deletionTimestamp, then gone when the finalizer is removed',
    run: async ({ ns, send }) => {
      await send({ method: 'POST', path: cms(ns), body: cm('fin', { finalizers: ['example.com/hold'] }) });
      const deleted = await send({ method: 'DELETE', path: `${cms(ns)}/fin` });
      const held = await send({ method: 'GET', path: `${cms(ns)}/fin` });
      const released = await send({
        method: 'PATCH',
        path: `${cms(ns)}/fin`,
        contentType: MERGE_PATCH,
        body: { metadata: { finalizers: null } },
      });
      return [deleted, held, released, await send({ method: 'GET', path: `${cms(ns)}/fin` })];
    },
  },
  ...(['Background', 'Foreground', 'Orphan'] as const).map((policy): FidelityCase => ({
    name: `delete a Job with propagationPolicy=${policy}`,
    run: async ({ ns, send }) => {
      const path = `/apis/batch/v1/namespaces/${ns}/jobs`;
      await send({ method: 'POST', path, body: job('j') });
      return [
        await send({
          method: 'DELETE',
          path: `${path}/j`,
          body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: policy },
        }),
      ];
    },
  })),
  {
    name: 'delete a plain object: 200 with a Success Status',
    run: async ({ ns, send }) => {
      await send({ method: 'POST', path: cms(ns), body: cm('gone') });
      return [await send({ method: 'DELETE', path: `${cms(ns)}/gone` })];
    },
  },
  {
    name: 'Lease update with a stale resourceVersion: 409 Conflict',
    run: async ({ ns, send }) => {
      const path = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;
      const created = await send({
        method: 'POST',
        path,
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: 'l' },
          spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
        },
      });
      const rv = (created.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
      const lease = (holder: string) => ({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'l', resourceVersion: rv },
        spec: { holderIdentity: holder, leaseDurationSeconds: 15 },
      });
      return [
        created,
        await send({ method: 'PUT', path: `${path}/l`, body: lease('b') }),
        await send({ method: 'PUT', path: `${path}/l`, body: lease('c') }),
      ];
    },
  },
  {
    name: "watch from a list's resourceVersion",
    run: async ({ ns, send }) => {
      const list = await send({ method: 'GET', path: cms(ns) });
      const rv = (list.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
      const watch = send({
        method: 'GET',
        path: `${cms(ns)}?labelSelector=app&watch=true&resourceVersion=${rv}`,
        watchMs: 1500,
      });
      await send({ method: 'POST', path: cms(ns), body: cm('w', { labels: { app: 'w' } }) });
      await send({ method: 'DELETE', path: `${cms(ns)}/w` });
      return [await watch];
    },
  },
  {
    name: 'watch from a compacted resourceVersion: 410 Expired',
    run: async ({ ns, send, compactHistory }) => {
      await send({
        method: 'POST',
        path: `/api/v1/namespaces/${ns}/limitranges`,
        body: { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l' }, spec: { limits: [] } },
      });
      await compactHistory();
      return [
        await send({
          method: 'GET',
          path: `/api/v1/namespaces/${ns}/limitranges?watch=true&resourceVersion=1`,
          watchMs: 1000,
        }),
      ];
    },
  },
  {
    name: 'watch with sendInitialEvents and bookmarks',
    run: async (ctx) => {
      await seed(ctx, 2);
      return [
        await ctx.send({
          method: 'GET',
          path: `${cms(ctx.ns)}?labelSelector=app&watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
          watchMs: 1500,
        }),
      ];
    },
  },
  {
    name: 'watch=True (a Go-style boolean) starts a watch',
    run: async (ctx) => {
      await seed(ctx, 1);
      return [
        await ctx.send({ method: 'GET', path: `${cms(ctx.ns)}?labelSelector=app&watch=True`, watchMs: 1000 }),
      ];
    },
  },
  {
    name: 'an unknown resource: 404',
    run: async ({ ns, send }) => [await send({ method: 'GET', path: `/api/v1/namespaces/${ns}/widgets` })],
  },
  {
    name: 'kubectl create configmap and secret generic (typed, protobuf)',
    run: async ({ ns, kubectl, send }) => {
      const a = await kubectl(['create', 'configmap', 'typed', '-n', ns, '--from-literal=k=v']);
      const b = await kubectl(['create', 'secret', 'generic', 'typed', '-n', ns, '--from-literal=k=v']);
      return [
        a,
        b,
        await send({ method: 'GET', path: `${cms(ns)}/typed` }),
        await send({ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/typed` }),
      ];
    },
  },
  {
    name: 'kubectl create job and serviceaccount (typed, protobuf)',
    run: async ({ ns, kubectl, send }) => {
      const a = await kubectl(['create', 'serviceaccount', 'robot', '-n', ns]);
      const b = await kubectl(['create', 'job', 'once', '-n', ns, '--image=busybox', '--', 'true']);
      const sa = await send({ method: 'GET', path: `/api/v1/namespaces/${ns}/serviceaccounts/robot` });
      const created = await send({ method: 'GET', path: `/apis/batch/v1/namespaces/${ns}/jobs/once` });
      return [a, b, sa, (created.body as { spec?: unknown }).spec];
    },
  },
  {
    name: 'delete a namespace: Terminating',
    run: async ({ send }) => {
      await send({
        method: 'POST',
        path: '/api/v1/namespaces',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } },
      });
      return [await send({ method: 'DELETE', path: '/api/v1/namespaces/doomed' })];
    },
  },
  {
    name: 'the OpenAPI v3 schema of a custom kind',
    run: async ({ send }) => {
      const doc = await send({ method: 'GET', path: '/openapi/v3/apis/vteam.ambient-code/v1alpha1' });
      const schemas = (doc.body as { components: { schemas: Record<string, unknown> } }).components.schemas;
      return [doc.status, schemas['ambient-code.vteam.v1alpha1.AgenticSession'] ?? Object.keys(schemas)];
    },
  },
  {
    name: 'kubectl explain a custom resource field and a built-in one',
    run: async ({ kubectl }) => [
      printed(await kubectl(['explain', 'agenticsessions.spec'])),
      printed(await kubectl(['explain', 'pods.spec.containers'])),
      printed(await kubectl(['explain', 'jobs.spec.template.spec.restartPolicy'])),
    ],
  },
  {
    name: 'kubectl get -o wide, custom columns, describe',
    run: async ({ ns, kubectl, send }) => {
      await send({ method: 'POST', path: cms(ns), body: cm('shown', { labels: { app: 'x' } }) });
      return [
        printed(await kubectl(['get', 'cm', '-n', ns, '-l', 'app', '-o', 'wide'])),
        printed(
          await kubectl([
            'get',
            'cm',
            '-n',
            ns,
            '-l',
            'app',
            '-o',
            'custom-columns=NAME:.metadata.name,A:.data.a',
          ]),
        ),
        printed(await kubectl(['describe', 'cm', 'shown', '-n', ns])),
      ];
    },
  },
  {
    name: 'kubectl wait for a jsonpath value and for a condition',
    run: async ({ ns, kubectl, send }) => {
      await send({ method: 'POST', path: cms(ns), body: cm('w') });
      await send({ method: 'POST', path: AS(ns), body: session('ready') });
      await send({
        method: 'PATCH',
        path: `${AS(ns)}/ready/status`,
        contentType: MERGE_PATCH,
        body: {
          status: {
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'Done',
                message: '',
                lastTransitionTime: '2026-01-01T00:00:00Z',
              },
            ],
          },
        },
      });
      return [
        printed(await kubectl(['wait', '-n', ns, '--for=jsonpath={.data.a}=1', 'cm/w', '--timeout=10s'])),
        printed(
          await kubectl(['wait', '-n', ns, '--for=condition=Ready', 'agenticsession/ready', '--timeout=10s']),
        ),
        printed(await kubectl(['wait', '-n', ns, '--for=jsonpath={.data.a}=2', 'cm/w', '--timeout=1s'])),
      ];
    },
  },
  {
    name: 'kubectl diff: exit 1 with the difference, 0 without',
    run: async ({ ns, kubectl }) => {
      const manifest = (a: string) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d, namespace: ${ns}}\ndata: {a: "${a}"}\n`;
      await kubectl(['apply', '-f', '-'], manifest('1'));
      return [
        printed(await kubectl(['diff', '-f', '-'], manifest('1'))),
        printed(await kubectl(['diff', '-f', '-'], manifest('2'))),
      ];
    },
  },
  {
    name: 'kubectl apply --server-side: a second manager conflicts, --force-conflicts takes the field',
    run: async ({ ns, kubectl, send }) => {
      const manifest = (a: string) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: ${ns}}\ndata: {a: "${a}"}\n`;
      const results = [
        printed(await kubectl(['apply', '--server-side', '-f', '-'], manifest('1'))),
        printed(await kubectl(['apply', '--server-side', '--field-manager=other', '-f', '-'], manifest('2'))),
        printed(
          await kubectl(
            ['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'],
            manifest('3'),
          ),
        ),
      ];
      const live = await send({ method: 'GET', path: `${cms(ns)}/ssa` });
      const meta = (live.body as { metadata: { managedFields?: { manager: string; operation: string }[] } })
        .metadata;
      return [
        ...results,
        (live.body as { data: unknown }).data,
        meta.managedFields?.map((m) => [m.manager, m.operation]),
      ];
    },
  },
  {
    name: 'kubectl events of a namespace',
    run: async ({ ns, kubectl, send }) => {
      await send({
        method: 'POST',
        path: `/api/v1/namespaces/${ns}/events`,
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: 'e1' },
          involvedObject: { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', namespace: ns },
          reason: 'Tested',
          message: 'an event a user reads',
          type: 'Normal',
          source: { component: 'fidelity' },
          firstTimestamp: '2026-01-01T00:00:00Z',
          lastTimestamp: '2026-01-01T00:00:00Z',
          count: 1,
        },
      });
      return [printed(await kubectl(['events', '-n', ns]))];
    },
  },
];
