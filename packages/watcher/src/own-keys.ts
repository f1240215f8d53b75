// The index keys an object backs (shared's ownKeysOf, each formatted by formatKey), handed one by one. A start
// lists every AgenticSession through here (50,000 in the bench): the general path's refs, arrays and key strings
// were ~0.35 KiB of garbage per session, which the small young generation of --optimize-for-size collected in
// ~1 MiB steps while the list came in.
import {
  BARE_KEY_KIND,
  formatKey,
  isDns1123Label,
  isDns1123Subdomain,
  ownKeysOf,
  type WatchedKind,
} from '@ambient-operator/shared';
import type { KeyParts } from './key-index.js';
import type { WatchedObject } from './list-watch.js';

export type OwnKeyVisitor = (key: string, parts: KeyParts) => void;

/**
 * Calls `visit` with each key an object backs and its parts; an object whose key Kubernetes would reject backs none.
 * `id` is the object's id (`<namespace>/<name>`) when the caller has it: a key equal to it is handed as that string,
 * so the index and the caller's maps hold one string, not two.
 */
export type OwnKeys = (object: WatchedObject, id: string | undefined, visit: OwnKeyVisitor) => void;

/** How the objects of `kind` back keys, decided once per kind from the key-kind table. */
export function ownKeysFor(kind: WatchedKind): OwnKeys {
  // The table is asked about a probe object: is the kind's one key the object's id (the bare kind)?
  const probe = ownKeysOf(kind, { name: 'n', namespace: 'ns' });
  const keyIsId =
    probe.length === 1 &&
    probe[0]!.kind === BARE_KEY_KIND &&
    probe[0]!.namespace === 'ns' &&
    probe[0]!.name === 'n';
  return keyIsId ? objectIdKey : generalKeys(kind);
}

/** The bare kind's key, `<namespace>/<name>`, under formatKey's checks of an object key. */
const objectIdKey: OwnKeys = (object, id, visit) => {
  const namespace = object.namespace;
  if (namespace === undefined || !isDns1123Label(namespace) || !isDns1123Subdomain(object.name)) return;
  visit(id ?? `${namespace}/${object.name}`, { kind: BARE_KEY_KIND, namespace });
};

function generalKeys(kind: WatchedKind): OwnKeys {
  return (object, id, visit) => {
    for (const ref of ownKeysOf(kind, object)) {
      let key: string;
      try {
        key = formatKey(ref);
      } catch {
        continue;
      }
      visit(key === id ? id : key, ref);
    }
  };
}
