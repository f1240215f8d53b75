import type { KubeObject } from './types.js';

/**
 * Stored objects serialised once: the response to a write, the watch events it causes (one per watch) and
 * later GETs of the same object all send the same text. Sound because stored objects are never mutated
 * (types.ts); keyed weakly, so a replaced object's text goes with it.
 */
const encoded = new WeakMap<object, string>();

/**
 * `JSON.stringify(object)`, computed once per object: only for objects that are never mutated afterwards.
 * Top-level parts (spec, status, data, …) are cached by themselves too: a write keeps the parts it does not
 * change (a status write keeps the stored spec, a spec write the status), so a pod's spec is serialised once,
 * not at each of the kubelet's status writes.
 */
export function encodeObject(object: KubeObject): string {
  let json = encoded.get(object);
  if (json === undefined) {
    json = '{';
    for (const key of Object.keys(object)) {
      const value = object[key];
      if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
      if (json.length > 1) json += ',';
      json += `${JSON.stringify(key)}:${key !== 'metadata' && typeof value === 'object' && value !== null ? encodePart(value) : JSON.stringify(value)}`;
    }
    json += '}';
    encoded.set(object, json);
  }
  return json;
}

function encodePart(value: object): string {
  let json = encoded.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    encoded.set(value, json);
  }
  return json;
}
