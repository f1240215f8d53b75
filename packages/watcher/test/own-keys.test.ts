// The keys an object backs in the watcher's index: the per-kind path (the AgenticSession one skips the table's refs)
// must back exactly the keys shared's ownKeysOf and formatKey give, and none Kubernetes would reject.
import { describe, expect, it } from 'vitest';
import { WATCHED_KINDS, formatKey, ownKeysOf, type KeyRef } from '@ambient-operator/shared';
import type { KeyParts } from '../src/key-index.js';
import type { WatchedObject } from '../src/list-watch.js';
import { ownKeysFor } from '../src/own-keys.js';

const objects: WatchedObject[] = [
  { name: 's1', namespace: 'team-a' },
  { name: 'a.b-c', namespace: 'team-a' },
  { name: 's1' }, // no namespace (a cluster-scoped object)
  { name: 's1', namespace: '' },
  { name: 'Upper', namespace: 'team-a' },
  { name: 's1', namespace: 'Team-A' },
  { name: 's1', namespace: 'team.a' }, // a subdomain, not a label
  { name: 'x'.repeat(254), namespace: 'team-a' },
  { name: 's1', namespace: 'n'.repeat(64) },
  { name: 'team-a' }, // a Namespace's own keys name it
];

function viaTable(kind: (typeof WATCHED_KINDS)[number], object: WatchedObject): [string, KeyParts][] {
  return ownKeysOf(kind, object).flatMap((ref: KeyRef): [string, KeyParts][] => {
    try {
      return [[formatKey(ref), { kind: ref.kind, namespace: ref.namespace }]];
    } catch {
      return [];
    }
  });
}

describe('ownKeysFor', () => {
  it('backs the keys of the key-kind table, each formatted and checked as formatKey does', () => {
    for (const kind of WATCHED_KINDS) {
      const ownKeys = ownKeysFor(kind);
      for (const object of objects) {
        const seen: [string, KeyParts][] = [];
        ownKeys(object, undefined, (key, parts) =>
          seen.push([key, { kind: parts.kind, namespace: parts.namespace }]),
        );
        expect(seen, `${kind} ${JSON.stringify(object)}`).toEqual(viaTable(kind, object));
      }
    }
  });

  it("hands a session's key as the caller's id string, so the index and the caller hold one string", () => {
    const object = { name: 's1', namespace: 'team-a' };
    const id = `${object.namespace}/${object.name}`;
    const keys: string[] = [];
    ownKeysFor('AgenticSession')(object, id, (key) => keys.push(key));
    expect(keys).toEqual(['team-a/s1']);
    expect(keys[0]).toBe(id);
  });
});
