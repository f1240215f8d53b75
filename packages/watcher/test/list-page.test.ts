// The list page reader: the objects it makes from a body are the ones JSON.parse and the list's checks made (the
// WatchedObject's fields), for what kube-sim and a real API server send, and it refuses what they refused, saying
// what is wrong.
import type { KubeSim } from '@ambient-operator/kube-sim';
import { METADATA_LIST_ACCEPT } from '@ambient-operator/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ListPageError, readListPage, type ListPage } from '../src/list-page.js';
import { readWatchedObject, type WatchedObject } from '../src/list-watch.js';
import { startSim } from './harness.js';

/** What the list made of a body before this reader: JSON.parse, the envelope's schema, readWatchedObject. */
function viaJsonParse(body: string): ListPage | 'refused' {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return 'refused';
  }
  const envelope = z
    .object({
      metadata: z
        .object({ resourceVersion: z.string().optional(), continue: z.string().optional() })
        .optional(),
      items: z.array(z.unknown()).nullish(),
    })
    .safeParse(value);
  if (!envelope.success) return 'refused';
  const items: WatchedObject[] = [];
  for (const item of envelope.data.items ?? []) {
    const meta = readWatchedObject(item);
    if (typeof meta === 'string') return 'refused';
    items.push(watchedFields(meta));
  }
  const { resourceVersion, continue: next } = envelope.data.metadata ?? {};
  return { items, resourceVersion, continueToken: next || undefined };
}

/** The fields of a WatchedObject (readWatchedObject hands over the whole parsed metadata). */
function watchedFields(meta: WatchedObject): WatchedObject {
  const {
    name,
    namespace,
    uid,
    resourceVersion,
    generation,
    annotations,
    finalizers,
    deletionTimestamp,
    labels,
  } = meta;
  const ownerReferences = meta.ownerReferences?.map(({ kind, name, uid, controller }) => ({
    kind,
    name,
    uid,
    controller,
  }));
  return {
    name,
    namespace,
    uid,
    resourceVersion,
    generation,
    annotations,
    finalizers,
    deletionTimestamp,
    labels,
    ownerReferences,
  };
}

function read(body: string): ListPage | 'refused' {
  try {
    return readListPage(Buffer.from(body, 'utf8'));
  } catch (err) {
    if (err instanceof ListPageError) return 'refused';
    throw err;
  }
}

function expectSameAsJsonParse(body: string): ListPage {
  const expected = viaJsonParse(body);
  expect(expected).not.toBe('refused');
  const page = read(body);
  expect(page).toEqual(expected);
  return page as ListPage;
}

function errorOf(body: string): string {
  try {
    readListPage(Buffer.from(body, 'utf8'));
  } catch (err) {
    expect(err).toBeInstanceOf(ListPageError);
    return (err as Error).message;
  }
  throw new Error('the body was accepted');
}

const list = (items: unknown[], metadata: object = { resourceVersion: '7' }) =>
  JSON.stringify({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata, items });

describe('readListPage', () => {
  let sim: KubeSim;
  beforeAll(async () => {
    sim = await startSim(['team-a']);
    sim.createObjects(
      ['s1', 's2', 's3'].map((name, i) => ({
        apiVersion: 'vteam.ambient-code/v1alpha1',
        kind: 'AgenticSession',
        metadata: {
          name,
          namespace: 'team-a',
          labels: { 'ambient-code.io/project': 'team-a' },
          annotations: { 'a/b': `line\n"quoted"\t\\ ${i}`, note: 'ünïcödé ✓ 😀' },
          finalizers: ['ambient-code.io/cleanup'],
        },
        spec: { initialPrompt: 'hello' },
      })),
    );
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("reads kube-sim's metadata-only list pages as JSON.parse did", async () => {
    const get = async (query: string) => {
      const res = await fetch(
        `${sim.url}/apis/vteam.ambient-code/v1alpha1/namespaces/team-a/agenticsessions?${query}`,
        {
          headers: { Authorization: 'Bearer kube-sim', Accept: METADATA_LIST_ACCEPT },
        },
      );
      return res.text();
    };
    const first = expectSameAsJsonParse(await get('limit=2'));
    expect(first.items.map((o) => o.name)).toEqual(['s1', 's2']);
    expect(first.items[0]!.labels).toEqual({ 'ambient-code.io/project': 'team-a' });
    expect(first.items[1]!.annotations).toEqual({ 'a/b': 'line\n"quoted"\t\\ 1', note: 'ünïcödé ✓ 😀' });
    expect(first.continueToken).toEqual(expect.any(String));
    const last = expectSameAsJsonParse(await get(`limit=2&continue=${first.continueToken}`));
    expect(last.items.map((o) => o.name)).toEqual(['s3']);
    expect(last.continueToken).toBeUndefined();
  });

  it("reads a real API server's page: managedFields, owners, deletion, whitespace", () => {
    const item = (name: string) => ({
      metadata: {
        name,
        namespace: 'team-a',
        uid: '0a1b2c3d-0000-4000-8000-000000000001',
        resourceVersion: '812345',
        generation: 3,
        creationTimestamp: '2026-01-01T00:00:00Z',
        deletionTimestamp: '2026-01-02T00:00:00Z',
        deletionGracePeriodSeconds: 0,
        labels: { app: 'ambient-runner', 'job-name': name },
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
            spec: { a: [1, 2.5e-3, null] },
          }),
        },
        finalizers: ['batch.kubernetes.io/job-tracking'],
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: 'j',
            uid: 'u-1',
            controller: true,
            blockOwnerDeletion: true,
          },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'u-2', controller: false },
        ],
        managedFields: [
          {
            manager: 'kube-controller-manager',
            operation: 'Update',
            apiVersion: 'v1',
            time: '2026-01-01T00:00:00Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } },
            subresource: 'status',
          },
        ],
      },
    });
    const body = JSON.stringify(
      {
        kind: 'PartialObjectMetadataList',
        apiVersion: 'meta.k8s.io/v1',
        metadata: {
          resourceVersion: '812399',
          continue: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ',
          remainingItemCount: 12,
        },
        items: [item('p1'), item('p2')],
      },
      null,
      2,
    );
    const page = expectSameAsJsonParse(`${body}\r\n`);
    expect(page.items[0]!.ownerReferences).toEqual([
      { kind: 'Job', name: 'j', uid: 'u-1', controller: true },
      { kind: 'ConfigMap', name: 'c', uid: 'u-2', controller: false },
    ]);
    expect(page.items[1]).toMatchObject({
      name: 'p2',
      generation: 3,
      deletionTimestamp: '2026-01-02T00:00:00Z',
    });
  });

  it('decodes escapes and UTF-8 as JSON.parse does, keys included', () => {
    const body =
      '{"metadata":{"resourceVersion":"1"},"items":[' +
      '{"metadata":{"\\u006eame":"s\\u002d1","namespace":"t\\/a","labels":{"\\u00e9":"\\ud83d\\ude00","k":"caf\u00e9 \u2713 \ud83d\ude00","\\"q\\"":"\\b\\f\\n\\r\\t\\\\"}}},' +
      '{"metadata":{"name":"s2","labels":{"__proto__":"x","lone":"\\udc00"}}}]}';
    const page = expectSameAsJsonParse(body);
    expect(page.items[0]!.name).toBe('s-1');
    expect(page.items[0]!.labels).toEqual({ é: '😀', k: 'café ✓ 😀', '"q"': '\b\f\n\r\t\\' });
    // A label named __proto__ is an own property, as JSON.parse makes it, not the object's prototype.
    const labels = page.items[1]!.labels!;
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels)).toEqual(['__proto__', 'lone']);
    expect(labels.lone).toBe('\udc00');
  });

  it('takes missing and empty fields as JSON.parse did', () => {
    expectSameAsJsonParse('{}');
    expectSameAsJsonParse('{"items":null}');
    expectSameAsJsonParse(list([], { resourceVersion: '5', continue: '' }));
    expectSameAsJsonParse(
      list([{ metadata: { name: 'bare' } }, { kind: 'X', metadata: { name: 'n', namespace: 'a' } }]),
    );
    // Later duplicates win, and numbers of any JSON form are read as numbers.
    const page = expectSameAsJsonParse(
      '{"metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"a","name":"b","generation":1.5e1}}],' +
        '"metadata":{"resourceVersion":"2"}}',
    );
    expect(page).toMatchObject({ resourceVersion: '2', items: [{ name: 'b', generation: 15 }] });
  });

  it('refuses what JSON.parse or the checks refused, saying where or what', () => {
    const refusals: [string, RegExp][] = [
      ['', /malformed JSON at byte 0/],
      ['{"items":[{"metadata":{"name":"a"}}', /malformed JSON at byte 35: expected ',' or ']'/],
      ['{"items":[]} x', /malformed JSON at byte 13: expected the end of the body/],
      ['{"items":[{"metadata":{"name":"a\\x"}}]}', /malformed JSON at byte 32: expected an escape/],
      ['{"items":[{"metadata":{"name":"a\\u12"}}]}', /malformed JSON .*: expected an escape/],
      ['{"items":[{"metadata":{"name":"a\nb"}}]}', /expected no control character/],
      ['{"items":[{"metadata":{"name":"a"}}],}', /malformed JSON .*: expected a key/],
      ['{"items":[{"metadata":{"name":"a","generation":01}}]}', /malformed JSON/],
      ['{"items":[{"metadata":{"name":"a","x":tru}}]}', /malformed JSON .*: expected 'true'/],
      ['{"items":[{"metadata":{"name":"a","x":[1 2]}}]}', /malformed JSON .*: expected ',' or ']'/],
      ['{"items":[{"metadata":{"name":"a', /malformed JSON .*: expected a string's closing '"'/],
      ['[]', /malformed JSON at byte 0: expected a list object/],
      ['{"metadata":null}', /^metadata: expected an object$/],
      ['{"metadata":{"resourceVersion":5}}', /^metadata.resourceVersion: expected a string$/],
      ['{"items":{}}', /^items: expected an array$/],
      ['{"items":[1]}', /^items\[0\]: metadata: expected an object$/],
      ['{"items":[{"kind":"X"}]}', /^items\[0\]: metadata: expected an object$/],
      [
        '{"items":[{"metadata":{"name":"a"}},{"metadata":{"namespace":"x"}}]}',
        /^items\[1\]: metadata.name: expected a string$/,
      ],
      ['{"items":[{"metadata":{"name":null}}]}', /^items\[0\]: metadata.name: expected a string$/],
      ['{"items":[{"metadata":{"name":"a","uid":7}}]}', /^items\[0\]: metadata.uid: expected a string$/],
      [
        '{"items":[{"metadata":{"name":"a","generation":"1"}}]}',
        /^items\[0\]: metadata.generation: expected a number$/,
      ],
      [
        '{"items":[{"metadata":{"name":"a","labels":{"k":1}}}]}',
        /^items\[0\]: metadata.labels: expected strings$/,
      ],
      [
        '{"items":[{"metadata":{"name":"a","annotations":[]}}]}',
        /^items\[0\]: metadata.annotations: expected strings$/,
      ],
      [
        '{"items":[{"metadata":{"name":"a","finalizers":["f",2]}}]}',
        /^items\[0\]: metadata.finalizers: expected strings$/,
      ],
      [
        '{"items":[{"metadata":{"name":"a","ownerReferences":[{"name":"j"}]}}]}',
        /^items\[0\]: metadata.ownerReferences: expected \{kind, name, uid\?, controller\?\} objects$/,
      ],
      [
        '{"items":[{"metadata":{"name":"a","ownerReferences":[{"kind":"Job","name":"j","controller":"yes"}]}}]}',
        /^items\[0\]: metadata.ownerReferences: expected/,
      ],
    ];
    for (const [body, message] of refusals) {
      expect(viaJsonParse(body), body).toBe('refused');
      expect(errorOf(body), body).toMatch(message);
    }
  });
});
