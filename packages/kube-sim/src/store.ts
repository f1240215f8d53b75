import type { KubeObject, ObjectKey, OwnerReference } from './types.js';
import { objectKey } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change. `oldObject` lets selector-filtered watches turn a change into ADDED/DELETED. */
export interface StoreEvent {
  type: WatchEventType;
  resourceVersion: number;
  resourceId: string;
  object: KubeObject;
  oldObject: KubeObject | undefined;
}

export type StoreListener = (event: StoreEvent) => void;

/** The value an object has for a secondary index (a label, a selectable field); undefined: not in it. */
export type IndexValueOf = (object: KubeObject) => string | undefined;

/** A secondary index of one resource: value → keys, kept current on every write once built. */
interface SecondaryIndex {
  valueOf: IndexValueOf;
  keys: Map<string, Set<ObjectKey>>;
}

interface Bucket {
  objects: Map<ObjectKey, KubeObject>;
  /** Keys in API-server order (namespace/name), rebuilt lazily after inserts and deletes. */
  sortedKeys: ObjectKey[] | undefined;
}

interface ObjectLocation {
  resourceId: string;
  key: ObjectKey;
}

/** What `export()` produces and `import()` takes: the whole state, for --data files. */
export interface StoreSnapshot {
  resourceVersion: number;
  objects: Array<{ resourceId: string; object: KubeObject }>;
}

/**
 * The simulator's etcd: objects per resource, one global resourceVersion counter, a bounded ring of
 * recent events for watches that resume from a resourceVersion, and the uid/owner indexes the garbage
 * collector needs. It does no validation; `ResourceApi` decides what may be written.
 */
export class ObjectStore {
  private rv = 0;
  private readonly buckets = new Map<string, Bucket>();
  private readonly byUidIndex = new Map<string, ObjectLocation>();
  /** owner uid → dependents ("resourceId|key"). */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly listeners = new Set<StoreListener>();
  private readonly history: Array<StoreEvent | undefined>;
  private historyStart = 0;
  private historyLength = 0;
  /** Highest resourceVersion no longer in history; watching from before it is 410 Gone. */
  private compactedRv = 0;
  /**
   * resourceId → index name → index. Built on the first selector that asks for it (a label or a field), so a
   * LIST with `agentic-session=x` over 10,000 pods or `involvedObject.name=x` over 10,000 Events touches only
   * its matches, as the API server's watch cache does for its indexed fields.
   */
  private readonly indexes = new Map<string, Map<string, SecondaryIndex>>();

  constructor(historySize: number) {
    this.history = new Array<StoreEvent | undefined>(Math.max(1, historySize));
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get(resourceId: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.buckets.get(resourceId)?.objects.get(objectKey(namespace, name));
  }

  byUid(uid: string): { resourceId: string; object: KubeObject } | undefined {
    const loc = this.byUidIndex.get(uid);
    if (!loc) return undefined;
    const object = this.buckets.get(loc.resourceId)?.objects.get(loc.key);
    return object ? { resourceId: loc.resourceId, object } : undefined;
  }

  /** Dependents of an owner uid, as stored objects. */
  dependentsOf(ownerUid: string): Array<{ resourceId: string; object: KubeObject }> {
    const refs = this.dependents.get(ownerUid);
    if (!refs) return [];
    const out: Array<{ resourceId: string; object: KubeObject }> = [];
    for (const ref of refs) {
      const sep = ref.indexOf('|');
      const resourceId = ref.slice(0, sep);
      const object = this.buckets.get(resourceId)?.objects.get(ref.slice(sep + 1));
      if (object) out.push({ resourceId, object });
    }
    return out;
  }

  count(resourceId: string): number {
    return this.buckets.get(resourceId)?.objects.size ?? 0;
  }

  resourceIds(): string[] {
    return [...this.buckets.keys()];
  }

  /**
   * Objects of a resource in key order, optionally within one namespace, starting after `afterKey`.
   * Iterates lazily so paginated lists over 50,000 objects stay cheap.
   */
  *iterate(resourceId: string, namespace?: string, afterKey?: ObjectKey): Generator<[ObjectKey, KubeObject]> {
    const bucket = this.buckets.get(resourceId);
    if (!bucket) return;
    if (!bucket.sortedKeys) bucket.sortedKeys = [...bucket.objects.keys()].sort(compareKeys);
    const keys = bucket.sortedKeys;
    const prefix = namespace ? `${namespace}/` : '';
    let start = 0;
    const from = afterKey !== undefined && afterKey > prefix ? afterKey : prefix;
    if (from) start = lowerBound(keys, from);
    for (let i = start; i < keys.length; i++) {
      const key = keys[i]!;
      if (prefix && !key.startsWith(prefix)) return;
      if (afterKey !== undefined && key <= afterKey) continue;
      const object = bucket.objects.get(key);
      // The sorted snapshot may lag a concurrent delete; skip keys that are gone.
      if (object) yield [key, object];
    }
  }

  /**
   * Keys of the objects of a resource whose `valueOf` is `value`, by the index `name` (built on first use; the
   * same name must always come with the same `valueOf`). Unordered; the caller sorts what it keeps.
   */
  indexedKeys(
    resourceId: string,
    name: string,
    valueOf: IndexValueOf,
    value: string,
  ): ReadonlySet<ObjectKey> {
    let byName = this.indexes.get(resourceId);
    if (!byName) this.indexes.set(resourceId, (byName = new Map()));
    let index = byName.get(name);
    if (!index) {
      index = { valueOf, keys: new Map() };
      byName.set(name, index);
      for (const [key, object] of this.buckets.get(resourceId)?.objects ?? []) addToIndex(index, key, object);
    }
    return index.keys.get(value) ?? EMPTY_KEYS;
  }

  /** The stored object under `key` (namespace/name) of a resource. */
  getByKey(resourceId: string, key: ObjectKey): KubeObject | undefined {
    return this.buckets.get(resourceId)?.objects.get(key);
  }

  /** Stores a new object; assigns its resourceVersion. The object must not be mutated afterwards. */
  create(resourceId: string, object: KubeObject): KubeObject {
    return this.write(resourceId, object, 'ADDED');
  }

  update(resourceId: string, object: KubeObject): KubeObject {
    return this.write(resourceId, object, 'MODIFIED');
  }

  /** Removes an object; the DELETED event carries the deletion's resourceVersion. */
  /** Removes the object; `final` is the state it is reported in (an update that released its last finalizer). */
  delete(resourceId: string, object: KubeObject, final?: KubeObject): KubeObject | undefined {
    const bucket = this.buckets.get(resourceId);
    const key = objectKey(object.metadata.namespace, object.metadata.name ?? '');
    const old = bucket?.objects.get(key);
    if (!bucket || !old) return undefined;
    bucket.objects.delete(key);
    bucket.sortedKeys = undefined;
    this.reindex(resourceId, key, old, undefined);
    if (old.metadata.uid) this.byUidIndex.delete(old.metadata.uid);
    this.reindexOwners(resourceId, key, old, undefined);
    const rv = ++this.rv;
    const last = final ?? old;
    const deleted: KubeObject = { ...last, metadata: { ...last.metadata, resourceVersion: String(rv) } };
    this.emit({ type: 'DELETED', resourceVersion: rv, resourceId, object: deleted, oldObject: old });
    return deleted;
  }

  /** Drops a whole resource bucket (a CRD was deleted) without events; callers delete objects first. */
  dropResource(resourceId: string): void {
    this.buckets.delete(resourceId);
    this.indexes.delete(resourceId);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Events after `resourceVersion` (exclusive) for a resource, or `undefined` when that point has
   * already left the bounded history (the caller answers 410 Gone).
   */
  eventsSince(resourceVersion: number, resourceId: string): StoreEvent[] | undefined {
    if (resourceVersion < this.compactedRv) return undefined;
    const out: StoreEvent[] = [];
    for (let i = 0; i < this.historyLength; i++) {
      const event = this.history[(this.historyStart + i) % this.history.length]!;
      if (event.resourceVersion > resourceVersion && event.resourceId === resourceId) out.push(event);
    }
    return out;
  }

  /** Forgets all history (tests use it to force 410 Gone). */
  compact(): void {
    this.compactedRv = this.rv;
    this.history.fill(undefined);
    this.historyStart = 0;
    this.historyLength = 0;
  }

  export(): StoreSnapshot {
    const objects: StoreSnapshot['objects'] = [];
    for (const [resourceId, bucket] of this.buckets) {
      for (const object of bucket.objects.values()) objects.push({ resourceId, object });
    }
    return { resourceVersion: this.rv, objects };
  }

  /** Loads a snapshot into an empty store (no events: nobody watches yet). */
  import(snapshot: StoreSnapshot): void {
    this.indexes.clear();
    for (const { resourceId, object } of snapshot.objects) {
      const key = objectKey(object.metadata.namespace, object.metadata.name ?? '');
      this.bucket(resourceId).objects.set(key, object);
      if (object.metadata.uid) this.byUidIndex.set(object.metadata.uid, { resourceId, key });
      this.reindexOwners(resourceId, key, undefined, object);
    }
    this.rv = Math.max(this.rv, snapshot.resourceVersion);
    this.compactedRv = this.rv;
  }

  private bucket(resourceId: string): Bucket {
    let bucket = this.buckets.get(resourceId);
    if (!bucket) {
      bucket = { objects: new Map(), sortedKeys: undefined };
      this.buckets.set(resourceId, bucket);
    }
    return bucket;
  }

  private write(resourceId: string, object: KubeObject, type: 'ADDED' | 'MODIFIED'): KubeObject {
    const bucket = this.bucket(resourceId);
    const key = objectKey(object.metadata.namespace, object.metadata.name ?? '');
    const old = bucket.objects.get(key);
    const rv = ++this.rv;
    object.metadata.resourceVersion = String(rv);
    bucket.objects.set(key, object);
    if (!old) bucket.sortedKeys = undefined;
    this.reindex(resourceId, key, old, object);
    if (object.metadata.uid) this.byUidIndex.set(object.metadata.uid, { resourceId, key });
    this.reindexOwners(resourceId, key, old, object);
    this.emit({ type: old ? 'MODIFIED' : type, resourceVersion: rv, resourceId, object, oldObject: old });
    return object;
  }

  private reindex(
    resourceId: string,
    key: ObjectKey,
    old: KubeObject | undefined,
    next: KubeObject | undefined,
  ) {
    const byName = this.indexes.get(resourceId);
    if (!byName) return;
    for (const index of byName.values()) {
      if (old) {
        const value = index.valueOf(old);
        const keys = value === undefined ? undefined : index.keys.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.keys.delete(value!);
      }
      if (next) addToIndex(index, key, next);
    }
  }

  private reindexOwners(
    resourceId: string,
    key: ObjectKey,
    old: KubeObject | undefined,
    next: KubeObject | undefined,
  ) {
    const ref = `${resourceId}|${key}`;
    const before = old?.metadata.ownerReferences ?? [];
    const after = next?.metadata.ownerReferences ?? [];
    if (sameOwners(before, after)) return;
    for (const owner of before) this.dependents.get(owner.uid)?.delete(ref);
    for (const owner of before)
      if (this.dependents.get(owner.uid)?.size === 0) this.dependents.delete(owner.uid);
    for (const owner of after) {
      let set = this.dependents.get(owner.uid);
      if (!set) this.dependents.set(owner.uid, (set = new Set()));
      set.add(ref);
    }
  }

  private emit(event: StoreEvent): void {
    const size = this.history.length;
    if (this.historyLength === size) {
      this.compactedRv = this.history[this.historyStart]!.resourceVersion;
      this.history[this.historyStart] = event;
      this.historyStart = (this.historyStart + 1) % size;
    } else {
      this.history[(this.historyStart + this.historyLength) % size] = event;
      this.historyLength++;
    }
    for (const listener of this.listeners) listener(event);
  }
}

const EMPTY_KEYS: ReadonlySet<ObjectKey> = new Set();

/** The same owner uids in the same order (an update copies the list, so it is rarely the same array). */
function sameOwners(a: readonly OwnerReference[], b: readonly OwnerReference[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.uid !== b[i]!.uid) return false;
  return true;
}

function addToIndex(index: SecondaryIndex, key: ObjectKey, object: KubeObject): void {
  const value = index.valueOf(object);
  if (value === undefined) return;
  let keys = index.keys.get(value);
  if (!keys) index.keys.set(value, (keys = new Set()));
  keys.add(key);
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(keys: string[], target: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
