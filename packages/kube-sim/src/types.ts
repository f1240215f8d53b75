/** JSON values as they travel over the wire and sit in the store. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

/**
 * An object as kube-sim stores it. Stored objects are treated as immutable: every write stores a new
 * object, so read paths can serialise them without copying.
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** A stored object's identity: `namespace/name` (namespace empty for cluster-scoped). */
export type ObjectKey = string;

export function objectKey(namespace: string | undefined, name: string): ObjectKey {
  return `${namespace ?? ''}/${name}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy of JSON data (stored objects are plain JSON). */
/**
 * A deep copy of JSON data (what the store holds). Written out rather than `structuredClone`, which took a
 * tenth of kube-sim's CPU in a 1,000-session burst; anything that is not a plain object or array is left to
 * `structuredClone`.
 */
export function cloneJson<T>(value: T): T {
  return cloneValue(value) as T;
}

function cloneValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneValue(value[i]);
    return out;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const copy = cloneValue((value as Record<string, unknown>)[key]);
    // JSON.parse makes `__proto__` an own key; assigning it would set the prototype instead.
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[key] = copy;
  }
  return out;
}

export function deepEqualJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqualJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  // Loops rather than filter/every: the controllers compare objects on every write.
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let aCount = 0;
  for (const k of Object.keys(ao)) {
    const av = ao[k];
    if (av === undefined) continue;
    aCount++;
    if (!deepEqualJson(av, bo[k])) return false;
  }
  let bCount = 0;
  for (const k of Object.keys(bo)) if (bo[k] !== undefined) bCount++;
  return aCount === bCount;
}

/** The current second, as the API server writes Time fields (`2006-01-02T15:04:05Z`). */
export function nowRfc3339(): string {
  const now = Date.now();
  const second = now - (now % 1000);
  // A burst asks hundreds of times a second: format each second once.
  if (second !== lastSecond) {
    lastSecond = second;
    lastRfc3339 = `${new Date(second).toISOString().slice(0, 19)}Z`;
  }
  return lastRfc3339;
}
let lastSecond = -1;
let lastRfc3339 = '';

/** RFC 3339 with microseconds, as the API server writes MicroTime fields. */
export function nowMicroTime(): string {
  return new Date().toISOString().replace(/Z$/, '000Z');
}
