import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeSim } from '@ambient-operator/kube-sim';
import { startKubeSim } from '@ambient-operator/kube-sim';
import { FIXTURES, apiBody, apiCode, kubeConfigFor, waitFor } from './helpers.js';

const GROUP = 'vteam.ambient-code';
const VERSION = 'v1alpha1';
const PLURAL = 'agenticsessions';
const NS = 'client-node';

type Session = k8s.KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

let sim: KubeSim;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
let batch: k8s.BatchV1Api;

function session(name: string, extra: Record<string, unknown> = {}): Session {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'AgenticSession',
    metadata: { name, ...extra },
    spec: { initialPrompt: 'hello', repos: [{ url: 'https://github.com/org/repo' }] },
  } as Session;
}

async function createSession(name: string, extra: Record<string, unknown> = {}): Promise<Session> {
  return (await custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: NS,
    plural: PLURAL,
    body: session(name, extra),
  })) as Session;
}

async function getSession(name: string): Promise<Session> {
  return (await custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: NS,
    plural: PLURAL,
    name,
  })) as Session;
}

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

beforeAll(async () => {
  sim = await startKubeSim({ crdsDir: FIXTURES, bookmarkIntervalMs: 50 });
  kc = kubeConfigFor(sim);
  core = kc.makeApiClient(k8s.CoreV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  batch = kc.makeApiClient(k8s.BatchV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
});

afterAll(async () => {
  await sim?.stop();
});

describe('custom resources through CustomObjectsApi', () => {
  it('creates with defaults from the schema, server-set metadata and a global resourceVersion', async () => {
    const before = sim.resourceVersion;
    const created = await createSession('crud-1');
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.generation).toBe(1);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(before);
    expect(created.spec).toMatchObject({
      timeout: 300,
      repos: [{ url: 'https://github.com/org/repo', branch: 'main', autoPush: false }],
    });
    // llmSettings is absent, so its nested defaults do not apply.
    expect(created.spec?.llmSettings).toBeUndefined();
    expect(created.status).toBeUndefined();
  });

  it('answers AlreadyExists and NotFound with Status objects', async () => {
    await createSession('crud-dup');
    const dup = await createSession('crud-dup').catch((e: unknown) => e);
    expect(apiCode(dup)).toBe(409);
    expect(apiBody(dup)).toMatchObject({
      kind: 'Status',
      reason: 'AlreadyExists',
      details: { name: 'crud-dup', group: GROUP, kind: PLURAL },
    });
    const missing = await getSession('nope').catch((e: unknown) => e);
    expect(apiCode(missing)).toBe(404);
    expect(apiBody(missing)).toMatchObject({
      reason: 'NotFound',
      message: `${PLURAL}.${GROUP} "nope" not found`,
    });
  });

  it('rejects invalid objects with 422 and field causes', async () => {
    const body = session('invalid-1');
    body.spec = { repos: [{ branch: 'x' }], timeout: 'soon', inactivityTimeout: -1 };
    const err = await custom
      .createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, body })
      .catch((e: unknown) => e);
    expect(apiCode(err)).toBe(422);
    const status = apiBody(err);
    expect(status.reason).toBe('Invalid');
    const causes = (status.details as { causes: Array<{ reason: string; field: string }> }).causes;
    expect(causes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'FieldValueRequired', field: 'spec.repos[0].url' }),
        expect.objectContaining({ reason: 'FieldValueTypeInvalid', field: 'spec.timeout' }),
        expect.objectContaining({ reason: 'FieldValueInvalid', field: 'spec.inactivityTimeout' }),
      ]),
    );
  });

  it('rejects an unsupported enum value in status with FieldValueNotSupported', async () => {
    await createSession('enum-1');
    const err = await custom
      .patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace: NS,
          plural: PLURAL,
          name: 'enum-1',
          body: { status: { phase: 'Exploded' } },
        },
        mergePatch,
      )
      .catch((e: unknown) => e);
    expect(apiCode(err)).toBe(422);
    expect(JSON.stringify(apiBody(err))).toContain('FieldValueNotSupported');
  });

  it('prunes unknown fields, or rejects them with fieldValidation=Strict', async () => {
    const body = session('prune-1');
    (body.spec as Record<string, unknown>).prompt = 'legacy';
    const created = (await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: PLURAL,
      body,
    })) as Session;
    expect(created.spec?.prompt).toBeUndefined();
    const strict = await custom
      .createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        body: { ...body, metadata: { name: 'prune-2' } },
        fieldValidation: 'Strict',
      })
      .catch((e: unknown) => e);
    expect(apiCode(strict)).toBe(400);
    expect(String(apiBody(strict).message)).toContain('unknown field "spec.prompt"');
  });

  it('keeps spec and status apart: main writes ignore status, /status writes ignore spec; generation follows spec', async () => {
    const created = await createSession('status-1');
    const withStatus = (await custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        name: 'status-1',
        body: { spec: { timeout: 1 }, status: { phase: 'Running' } },
      },
      mergePatch,
    )) as Session;
    expect(withStatus.status?.phase).toBe('Running');
    expect(withStatus.spec?.timeout).toBe(300);
    expect(withStatus.metadata?.generation).toBe(1);
    const specChange = (await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        name: 'status-1',
        body: { spec: { timeout: 10 }, status: { phase: 'Failed' } },
      },
      mergePatch,
    )) as Session;
    expect(specChange.spec?.timeout).toBe(10);
    expect(specChange.status?.phase).toBe('Running');
    expect(specChange.metadata?.generation).toBe(2);
    const labelOnly = (await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        name: 'status-1',
        body: { metadata: { labels: { a: 'b' } } },
      },
      mergePatch,
    )) as Session;
    expect(labelOnly.metadata?.generation).toBe(2);
    expect(created.metadata?.uid).toBe(labelOnly.metadata?.uid);
  });

  it('returns 409 Conflict for writes carrying a stale resourceVersion', async () => {
    const created = await createSession('occ-1');
    const staleRv = created.metadata?.resourceVersion;
    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        name: 'occ-1',
        body: { spec: { timeout: 5 } },
      },
      mergePatch,
    );
    const stalePut = await custom
      .replaceNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        name: 'occ-1',
        body: { ...created, spec: { ...created.spec, timeout: 7 } },
      })
      .catch((e: unknown) => e);
    expect(apiCode(stalePut)).toBe(409);
    expect(apiBody(stalePut)).toMatchObject({ reason: 'Conflict' });
    const stalePatch = await custom
      .patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace: NS,
          plural: PLURAL,
          name: 'occ-1',
          body: { metadata: { resourceVersion: staleRv }, status: { phase: 'Running' } },
        },
        mergePatch,
      )
      .catch((e: unknown) => e);
    expect(apiCode(stalePatch)).toBe(409);
  });

  it('applies JSON patches (the client default) and server-side apply', async () => {
    await createSession('patch-1');
    const patched = (await custom.patchNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: PLURAL,
      name: 'patch-1',
      body: [{ op: 'replace', path: '/spec/timeout', value: 42 }],
    })) as Session;
    expect(patched.spec?.timeout).toBe(42);
    const applied = (await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        name: 'apply-1',
        fieldManager: 'test',
        force: true,
        body: session('apply-1'),
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
    )) as Session;
    expect(applied.metadata?.uid).toBeTruthy();
    expect(applied.spec?.timeout).toBe(300);
  });

  it('paginates lists with limit/continue and filters by label and field selectors', async () => {
    for (let i = 0; i < 7; i++)
      await createSession(`page-${i}`, { labels: { batch: 'pages', parity: i % 2 ? 'odd' : 'even' } });
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = (await custom.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        labelSelector: 'batch=pages',
        limit: 3,
        _continue: token,
      })) as {
        items: Session[];
        metadata: { continue?: string; resourceVersion: string };
      };
      names.push(...page.items.map((s) => s.metadata!.name!));
      token = page.metadata.continue;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(names).toEqual([...Array(7).keys()].map((i) => `page-${i}`));
    const odd = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: PLURAL,
      labelSelector: 'batch=pages,parity in (odd)',
    })) as { items: Session[] };
    expect(odd.items.map((s) => s.metadata!.name)).toEqual(['page-1', 'page-3', 'page-5']);
    const notEven = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: PLURAL,
      labelSelector: 'batch,parity!=even,!missing',
    })) as { items: Session[] };
    expect(notEven.items).toHaveLength(3);
    const byName = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: PLURAL,
      fieldSelector: 'metadata.name=page-4',
    })) as { items: Session[] };
    expect(byName.items.map((s) => s.metadata!.name)).toEqual(['page-4']);
    const badField = await custom
      .listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        fieldSelector: 'spec.timeout=1',
      })
      .catch((e: unknown) => e);
    expect(apiCode(badField)).toBe(400);
  });
});

describe('informers and watches', () => {
  it('makeInformer lists, then sees add, update and delete events', async () => {
    const seen: string[] = [];
    const informer = k8s.makeInformer<Session>(
      kc,
      `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`,
      () =>
        custom.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: NS,
          plural: PLURAL,
          labelSelector: 'inf=1',
        }) as never,
      'inf=1',
    );
    informer.on('add', (o) => seen.push(`add ${o.metadata!.name!}`));
    informer.on('update', (o) => seen.push(`update ${o.metadata!.name!} ${String(o.status?.phase ?? '')}`));
    informer.on('delete', (o) => seen.push(`delete ${o.metadata!.name!}`));
    // client-node's informer stops on connection errors (e.g. while the server restarts); restart it.
    let stopped = false;
    informer.on('error', () => {
      if (!stopped) setTimeout(() => void informer.start().catch(() => undefined), 20);
    });
    await createSession('inf-before', { labels: { inf: '1' } });
    await informer.start();
    try {
      await waitFor(() => seen.includes('add inf-before'), 'initial list');
      await createSession('inf-after', { labels: { inf: '1' } });
      await createSession('inf-unlabelled');
      await waitFor(() => seen.includes('add inf-after'), 'watch add');
      await custom.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace: NS,
          plural: PLURAL,
          name: 'inf-after',
          body: { status: { phase: 'Running' } },
        },
        mergePatch,
      );
      await waitFor(() => seen.includes('update inf-after Running'), 'watch update');
      await custom.deleteNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        name: 'inf-after',
      });
      await waitFor(() => seen.includes('delete inf-after'), 'watch delete');
      expect(seen.some((s) => s.includes('inf-unlabelled'))).toBe(false);

      // A restart breaks the watch; the informer re-watches from its last resourceVersion.
      await sim.restart();
      await createSession('inf-after-restart', { labels: { inf: '1' } });
      await waitFor(() => seen.includes('add inf-after-restart'), 'event after restart');

      // A watch resuming from a compacted resourceVersion gets 410 Gone: the informer relists.
      const relistsBefore = sim.requestCount({ verb: 'list', resource: PLURAL });
      await createSession('inf-not-watched'); // moves the global resourceVersion past the informer's
      sim.faults.compactHistory();
      sim.faults.closeAllWatches();
      await createSession('inf-after-gone', { labels: { inf: '1' } });
      await waitFor(() => seen.includes('add inf-after-gone'), 'event after 410');
      await waitFor(
        () => sim.requestCount({ verb: 'list', resource: PLURAL }) > relistsBefore,
        'relist after 410',
      );
      expect(
        informer
          .list(NS)
          .map((o) => o.metadata!.name)
          .sort(),
      ).toEqual(['inf-after-gone', 'inf-after-restart', 'inf-before']);
    } finally {
      stopped = true;
      await informer.stop();
    }
  }, 20_000);

  it('streams a watch from a resourceVersion with bookmarks, and answers an expired one with an in-stream 410', async () => {
    const created = await createSession('watch-rv-1');
    await createSession('watch-rv-2');
    const events: Array<{ type: string; name?: string; rv?: string; code?: number }> = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`,
      { resourceVersion: created.metadata!.resourceVersion, allowWatchBookmarks: true },
      (type, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) =>
        events.push({ type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion, code: obj.code }),
      () => undefined,
    );
    try {
      await waitFor(
        () => events.some((e) => e.type === 'ADDED' && e.name === 'watch-rv-2'),
        'replayed event',
      );
      expect(events.some((e) => e.name === 'watch-rv-1')).toBe(false);
      await waitFor(() => events.some((e) => e.type === 'BOOKMARK'), 'bookmark');
      const bookmark = events.find((e) => e.type === 'BOOKMARK')!;
      expect(Number(bookmark.rv)).toBeGreaterThanOrEqual(Number(created.metadata!.resourceVersion));
    } finally {
      req.abort();
    }
    sim.faults.compactHistory();
    const goneEvents: Array<{ type: string; code?: number }> = [];
    let done = false;
    await watch.watch(
      `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`,
      { resourceVersion: created.metadata!.resourceVersion },
      (type, obj: { code?: number }) => goneEvents.push({ type, code: obj.code }),
      () => {
        done = true;
      },
    );
    await waitFor(() => done, 'stream end after 410');
    expect(goneEvents).toEqual([{ type: 'ERROR', code: 410 }]);
  });

  it('serves metadata-only lists and watches (PartialObjectMetadata)', async () => {
    await createSession('meta-1', { labels: { meta: 'yes' } });
    const headers = {
      Authorization: 'Bearer x',
      Accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
    };
    const list = (await (
      await fetch(`${sim.url}/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}?labelSelector=meta%3Dyes`, {
        headers,
      })
    ).json()) as {
      kind: string;
      items: Array<{ kind: string; metadata: { name: string }; spec?: unknown }>;
      metadata: { resourceVersion: string };
    };
    expect(list.kind).toBe('PartialObjectMetadataList');
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'meta-1' } });
    expect(list.items[0]!.spec).toBeUndefined();
    const controller = new AbortController();
    const response = await fetch(
      `${sim.url}/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}?watch=true&labelSelector=meta%3Dyes&resourceVersion=${list.metadata.resourceVersion}`,
      {
        headers: { ...headers, Accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1' },
        signal: controller.signal,
      },
    );
    const reader = response.body!.getReader();
    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        name: 'meta-1',
        body: { metadata: { annotations: { touched: 'yes' } } },
      },
      mergePatch,
    );
    let text = '';
    while (!text.includes('\n')) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    const event = JSON.parse(text.split('\n')[0]!) as {
      type: string;
      object: { kind: string; metadata: { annotations: Record<string, string> }; spec?: unknown };
    };
    expect(event.type).toBe('MODIFIED');
    expect(event.object.kind).toBe('PartialObjectMetadata');
    expect(event.object.metadata.annotations.touched).toBe('yes');
    expect(event.object.spec).toBeUndefined();
  });
});

describe('built-in resources', () => {
  it('issues TokenRequests as JWTs naming the service account', async () => {
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'runner' } } });
    const tr = await core.createNamespacedServiceAccountToken({
      name: 'runner',
      namespace: NS,
      body: { spec: { audiences: ['api'], expirationSeconds: 3600 } },
    });
    const token = tr.status!.token;
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as {
      sub: string;
      aud: string[];
      exp: number;
    };
    expect(claims.sub).toBe(`system:serviceaccount:${NS}:runner`);
    expect(claims.aud).toEqual(['api']);
    expect(new Date(tr.status!.expirationTimestamp).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    const missing = await core
      .createNamespacedServiceAccountToken({
        name: 'nobody',
        namespace: NS,
        body: { spec: { audiences: [] } },
      })
      .catch((e: unknown) => e);
    expect(apiCode(missing)).toBe(404);
  });

  it('supports Lease create and renew guarded by resourceVersion', async () => {
    const coord = kc.makeApiClient(k8s.CoordinationV1Api);
    const lease = await coord.createNamespacedLease({
      namespace: NS,
      body: {
        metadata: { name: 'leader' },
        spec: { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: new k8s.V1MicroTime() },
      },
    });
    const renewed = await coord.replaceNamespacedLease({
      name: 'leader',
      namespace: NS,
      body: { ...lease, spec: { ...lease.spec, renewTime: new k8s.V1MicroTime() } },
    });
    expect(Number(renewed.metadata!.resourceVersion)).toBeGreaterThan(
      Number(lease.metadata!.resourceVersion),
    );
    const lost = await coord
      .replaceNamespacedLease({
        name: 'leader',
        namespace: NS,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } },
      })
      .catch((e: unknown) => e);
    expect(apiCode(lost)).toBe(409);
  });

  it('merges Secret stringData into base64 data', async () => {
    const secret = await core.createNamespacedSecret({
      namespace: NS,
      body: {
        metadata: { name: 's1' },
        data: { a: Buffer.from('1').toString('base64') },
        stringData: { b: 'two' },
      },
    });
    expect(secret.data).toEqual({ a: 'MQ==', b: Buffer.from('two').toString('base64') });
    expect(secret.stringData).toBeUndefined();
    expect(secret.type).toBe('Opaque');
  });

  it('merges strategic merge patches into containers by name', async () => {
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: 'smp' },
        spec: {
          containers: [
            { name: 'a', image: 'img:1', env: [{ name: 'X', value: '1' }] },
            { name: 'b', image: 'img:1' },
          ],
        },
      },
    });
    const patched = await core.patchNamespacedPod(
      { name: 'smp', namespace: NS, body: { spec: { containers: [{ name: 'b', image: 'img:2' }] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    expect(patched.spec!.containers.map((c) => `${c.name}=${c.image}`)).toEqual(['a=img:1', 'b=img:2']);
    expect(patched.spec!.containers[0]!.env).toEqual([{ name: 'X', value: '1' }]);
  });

  it('rejects pods whose service account does not exist, and objects in missing namespaces', async () => {
    const noSa = await core
      .createNamespacedPod({
        namespace: NS,
        body: {
          metadata: { name: 'nosa' },
          spec: { serviceAccountName: 'ghost', containers: [{ name: 'c', image: 'i' }] },
        },
      })
      .catch((e: unknown) => e);
    expect(apiCode(noSa)).toBe(403);
    const noNs = await core
      .createNamespacedConfigMap({ namespace: 'does-not-exist', body: { metadata: { name: 'c' } } })
      .catch((e: unknown) => e);
    expect(apiCode(noNs)).toBe(404);
    expect(apiBody(noNs).message).toBe('namespaces "does-not-exist" not found');
  });

  it('filters pods by status.phase field selector', async () => {
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: 'phase-1', labels: { sel: 'phase' } },
        spec: { containers: [{ name: 'c', image: 'i' }] },
      },
    });
    await waitFor(
      async () =>
        (await core.readNamespacedPod({ name: 'phase-1', namespace: NS })).status?.phase === 'Running',
      'pod running',
    );
    const running = await core.listNamespacedPod({
      namespace: NS,
      labelSelector: 'sel=phase',
      fieldSelector: 'status.phase=Running',
    });
    expect(running.items.map((p) => p.metadata!.name)).toEqual(['phase-1']);
    const pending = await core.listNamespacedPod({
      namespace: NS,
      labelSelector: 'sel=phase',
      fieldSelector: 'status.phase=Pending',
    });
    expect(pending.items).toHaveLength(0);
  });
});

describe('simulated controllers', () => {
  async function runJob(
    name: string,
    env: Array<{ name: string; value: string }>,
    spec: Partial<k8s.V1JobSpec> = {},
  ): Promise<k8s.V1Job> {
    return batch.createNamespacedJob({
      namespace: NS,
      body: {
        metadata: { name },
        spec: {
          backoffLimit: 0,
          ...spec,
          template: {
            metadata: { labels: { app: name } },
            spec: { restartPolicy: 'Never', containers: [{ name: 'runner', image: 'runner:1', env }] },
          },
        },
      },
    });
  }

  async function jobCondition(name: string): Promise<k8s.V1JobCondition | undefined> {
    const job = await batch.readNamespacedJob({ name, namespace: NS });
    return job.status?.conditions?.find(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
  }

  it('runs a Job pod to Succeeded and completes the Job', async () => {
    const job = await runJob('job-ok', [{ name: 'SIM_RUN_SECONDS', value: '0.05' }]);
    const pod = await waitFor(
      async () =>
        (await core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=job-ok' })).items[0],
      'job pod',
    );
    expect(pod.metadata!.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'Job',
        name: 'job-ok',
        uid: job.metadata!.uid,
        controller: true,
        blockOwnerDeletion: true,
      }),
    ]);
    expect(pod.metadata!.labels).toMatchObject({
      app: 'job-ok',
      'batch.kubernetes.io/controller-uid': job.metadata!.uid,
    });
    const done = await waitFor(() => jobCondition('job-ok'), 'job finished');
    expect(done.type).toBe('Complete');
    const finished = await batch.readNamespacedJob({ name: 'job-ok', namespace: NS });
    expect(finished.status).toMatchObject({ succeeded: 1 });
    expect(finished.status!.completionTime).toBeTruthy();
    const finalPod = await core.readNamespacedPod({ name: pod.metadata!.name!, namespace: NS });
    expect(finalPod.status!.phase).toBe('Succeeded');
    expect(finalPod.status!.containerStatuses![0]!.state!.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(finalPod.spec!.nodeName).toBe('kube-sim-node');
  });

  it('fails a Job whose pod exits non-zero (backoffLimit 0) and reports the exit code', async () => {
    await runJob('job-fail', [
      { name: 'SIM_RUN_SECONDS', value: '0.02' },
      { name: 'SIM_EXIT_CODE', value: '3' },
    ]);
    const done = await waitFor(() => jobCondition('job-fail'), 'job failed');
    expect(done).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded' });
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=job-fail' });
    expect(pods.items[0]!.status!.containerStatuses![0]!.state!.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
    });
  });

  it('applies podFailurePolicy FailJob on a matching exit code', async () => {
    await runJob(
      'job-pfp',
      [
        { name: 'SIM_RUN_SECONDS', value: '0' },
        { name: 'SIM_EXIT_CODE', value: '2' },
      ],
      {
        backoffLimit: 3,
        podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [2] } }] },
      },
    );
    const done = await waitFor(() => jobCondition('job-pfp'), 'job failed by policy');
    expect(done).toMatchObject({ type: 'Failed', reason: 'PodFailurePolicy' });
    expect(done.message).toContain('exit code 2');
  });

  it('retries failed pods up to backoffLimit', async () => {
    await runJob(
      'job-retry',
      [
        { name: 'SIM_RUN_SECONDS', value: '0' },
        { name: 'SIM_EXIT_CODE', value: '1' },
      ],
      { backoffLimit: 2 },
    );
    const done = await waitFor(() => jobCondition('job-retry'), 'job failed after retries');
    expect(done.reason).toBe('BackoffLimitExceeded');
    const job = await batch.readNamespacedJob({ name: 'job-retry', namespace: NS });
    expect(job.status!.failed).toBe(3);
  });

  it('reports OOMKilled and image pull failures like a kubelet', async () => {
    await runJob('job-oom', [{ name: 'SIM_OOM', value: 'true' }]);
    const oomPod = await waitFor(async () => {
      const pod = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=job-oom' }))
        .items[0];
      return pod?.status?.phase === 'Failed' ? pod : undefined;
    }, 'oom pod failed');
    expect(oomPod.status!.containerStatuses![0]!.state!.terminated).toMatchObject({
      exitCode: 137,
      reason: 'OOMKilled',
    });
    await runJob('job-pull', [{ name: 'SIM_IMAGE_PULL', value: 'fail' }]);
    await waitFor(async () => {
      const pod = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=job-pull' }))
        .items[0];
      return pod?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff';
    }, 'ImagePullBackOff');
  });

  it('evicts a running pod through faults', async () => {
    await runJob('job-evict', []);
    const pod = await waitFor(async () => {
      const p = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=job-evict' }))
        .items[0];
      return p?.status?.phase === 'Running' ? p : undefined;
    }, 'running pod');
    sim.faults.evictPod(NS, pod.metadata!.name!);
    const evicted = await core.readNamespacedPod({ name: pod.metadata!.name!, namespace: NS });
    expect(evicted.status).toMatchObject({ phase: 'Failed', reason: 'Evicted' });
    expect(evicted.status!.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'DisruptionTarget', status: 'True' })]),
    );
    await waitFor(() => jobCondition('job-evict'), 'job failed after eviction');
  });

  it('garbage-collects dependents of a deleted owner (Background) and keeps them with Orphan', async () => {
    const owner = await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'owner-1' } },
    });
    const ref = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'owner-1',
      uid: owner.metadata!.uid!,
      controller: true,
    };
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 'dep-1', ownerReferences: [ref] } },
    });
    await core.deleteNamespacedConfigMap({ name: 'owner-1', namespace: NS, propagationPolicy: 'Background' });
    await waitFor(
      async () =>
        (await core
          .readNamespacedSecret({ name: 'dep-1', namespace: NS })
          .catch((e: unknown) => e)) instanceof k8s.ApiException,
      'dependent collected',
    );

    const owner2 = await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'owner-2' } },
    });
    await core.createNamespacedSecret({
      namespace: NS,
      body: {
        metadata: {
          name: 'dep-2',
          ownerReferences: [{ ...ref, name: 'owner-2', uid: owner2.metadata!.uid! }],
        },
      },
    });
    await core.deleteNamespacedConfigMap({ name: 'owner-2', namespace: NS, propagationPolicy: 'Orphan' });
    await waitFor(
      async () =>
        (await core
          .readNamespacedConfigMap({ name: 'owner-2', namespace: NS })
          .catch((e: unknown) => e)) instanceof k8s.ApiException,
      'owner gone',
    );
    const orphan = await core.readNamespacedSecret({ name: 'dep-2', namespace: NS });
    expect(orphan.metadata!.ownerReferences).toBeUndefined();
  });

  it('deletes a Job with Foreground propagation only after its pods are gone', async () => {
    await runJob('job-fg', []);
    await waitFor(
      async () =>
        (await core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=job-fg' })).items[0]?.status
          ?.phase === 'Running',
      'running pod',
    );
    const deleting = await batch.deleteNamespacedJob({
      name: 'job-fg',
      namespace: NS,
      propagationPolicy: 'Foreground',
    });
    expect(deleting).toBeTruthy();
    const during = await batch.readNamespacedJob({ name: 'job-fg', namespace: NS });
    expect(during.metadata!.deletionTimestamp).toBeTruthy();
    expect(during.metadata!.finalizers).toContain('foregroundDeletion');
    await waitFor(
      async () =>
        (await batch.readNamespacedJob({ name: 'job-fg', namespace: NS }).catch((e: unknown) => e)) instanceof
        k8s.ApiException,
      'job gone',
    );
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=job-fg' });
    expect(pods.items).toHaveLength(0);
  });

  it('holds an object with a finalizer until the finalizer is removed', async () => {
    await createSession('fin-1', { finalizers: ['example.com/cleanup'] });
    await custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: PLURAL,
      name: 'fin-1',
    });
    const terminating = await getSession('fin-1');
    expect(terminating.metadata?.deletionTimestamp).toBeTruthy();
    await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: PLURAL,
        name: 'fin-1',
        body: { metadata: { finalizers: null } },
      },
      mergePatch,
    );
    expect(apiCode(await getSession('fin-1').catch((e: unknown) => e))).toBe(404);
  });

  it('empties and removes a deleted namespace', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await waitFor(
      async () =>
        (await core
          .readNamespacedServiceAccount({ name: 'default', namespace: 'doomed' })
          .catch(() => undefined)) !== undefined,
      'default SA',
    );
    // The finalizer keeps the namespace Terminating until it is removed.
    await core.createNamespacedConfigMap({
      namespace: 'doomed',
      body: { metadata: { name: 'c', finalizers: ['example.com/hold'] } },
    });
    await core.deleteNamespace({ name: 'doomed' });
    await waitFor(
      async () =>
        (await core.readNamespacedConfigMap({ name: 'c', namespace: 'doomed' })).metadata?.deletionTimestamp,
      'content being deleted',
    );
    expect((await core.readNamespace({ name: 'doomed' })).status?.phase).toBe('Terminating');
    const refused = await core
      .createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'd' } } })
      .catch((e: unknown) => e);
    expect(apiCode(refused)).toBe(403);
    await core.patchNamespacedConfigMap(
      { name: 'c', namespace: 'doomed', body: { metadata: { finalizers: null } } },
      mergePatch,
    );
    await waitFor(
      async () => apiCode(await core.readNamespace({ name: 'doomed' }).catch((e: unknown) => e)) === 404,
      'namespace gone',
    );
  });
});

describe('faults', () => {
  it('fails the next matching requests with 500 or 429 + Retry-After', async () => {
    sim.faults.failNext({ status: 429, verb: 'get', resource: 'configmaps' });
    const res = await fetch(`${sim.url}/api/v1/namespaces/${NS}/configmaps/x`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    sim.faults.failNext({ status: 500, count: 2, resource: 'configmaps' });
    expect((await fetch(`${sim.url}/api/v1/namespaces/${NS}/configmaps`)).status).toBe(500);
    expect((await fetch(`${sim.url}/api/v1/namespaces/${NS}/configmaps`)).status).toBe(500);
    expect((await fetch(`${sim.url}/api/v1/namespaces/${NS}/configmaps`)).status).toBe(200);
  });

  it('counts requests by verb and resource', async () => {
    sim.resetRequestCounts();
    await core.listNamespacedConfigMap({ namespace: NS });
    await core.listNamespacedConfigMap({ namespace: NS });
    await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: PLURAL,
    });
    expect(sim.requestCount({ verb: 'list', resource: 'configmaps' })).toBe(2);
    expect(sim.requestCount({ resource: PLURAL })).toBe(1);
    expect(sim.requestCounts()).toMatchObject({ 'list configmaps': 2 });
  });

  it('stalls watches: the connection stays open but no events arrive', async () => {
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      `/api/v1/namespaces/${NS}/configmaps`,
      { resourceVersion: String(sim.resourceVersion) },
      (type, obj: k8s.V1ConfigMap) => events.push(`${type} ${obj.metadata!.name!}`),
      () => undefined,
    );
    try {
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'before-stall' } } });
      await waitFor(() => events.includes('ADDED before-stall'), 'event before stall');
      sim.faults.stallWatches(true);
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'during-stall' } } });
      sim.faults.stallWatches(false);
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'after-stall' } } });
      await waitFor(() => events.includes('ADDED after-stall'), 'event after stall');
      expect(events).not.toContain('ADDED during-stall');
      expect(sim.openWatches).toBeGreaterThan(0);
    } finally {
      req.abort();
    }
  });

  it('keeps state in a data file across stop and start', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'kube-sim-data-'));
    const dataFile = join(dir, 'state.json');
    try {
      const first = await startKubeSim({
        dataFile,
        crds: [parseYaml(await readFile(join(FIXTURES, 'agenticsessions-crd.yaml'), 'utf8')) as object],
      });
      const c1 = kubeConfigFor(first).makeApiClient(k8s.CustomObjectsApi);
      const created = (await c1.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'default',
        plural: PLURAL,
        body: session('kept'),
      })) as Session;
      await first.stop();
      const second = await startKubeSim({ dataFile });
      try {
        const c2 = kubeConfigFor(second).makeApiClient(k8s.CustomObjectsApi);
        const read = (await c2.getNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: 'default',
          plural: PLURAL,
          name: 'kept',
        })) as Session;
        expect(read.metadata?.uid).toBe(created.metadata?.uid);
        expect(second.resourceVersion).toBeGreaterThanOrEqual(Number(created.metadata?.resourceVersion));
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
