import type { KubeObject } from './types.js';

/**
 * Stored objects serialised once: the response to a write, the watch events it causes (one per watch) and
 * later GETs of the same object all send the same text. Sound because stored objects are never mutated
 * (types.ts); keyed weakly, so a replaced object's text goes with it.
 */
const encoded = new WeakMap<KubeObject, string>();

/** `JSON.stringify(object)`, computed once per object: only for objects that are never mutated afterwards. */
export function encodeObject(object: KubeObject): string {
  let json = encoded.get(object);
  if (json === undefined) {
    json = JSON.stringify(object);
    encoded.set(object, json);
  }
  return json;
}
