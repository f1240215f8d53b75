// The only state the watcher keeps: the keys that exist because some watched object exists (a `self` trigger of
// the key-kind table), with the resources that made them known. No objects are kept, so memory stays at a Map entry
// and a Set entry per key.
import { WATCHED_KINDS, parseQueueKey, type KeyKind, type WatchedKind } from '@ambient-operator/shared';

/** One bit per watched kind: the resources backing a key are a number, not a Set per key. */
const SOURCE_BIT = new Map<WatchedKind, number>(WATCHED_KINDS.map((kind, i) => [kind, 1 << i]));

function sourceBit(source: WatchedKind): number {
  const bit = SOURCE_BIT.get(source);
  if (bit === undefined) throw new Error(`key index: unknown watched kind ${source}`);
  return bit;
}

export class KeyIndex {
  /**
   * key → the sources backing it (bits of {@link SOURCE_BIT}). Measured with 50,000 sessions: an object and a Set per
   * key held ~400 bytes each; a Map entry with a small integer holds the key and nothing else. Kind and namespace are
   * read from the key itself when it is added or removed.
   */
  private readonly entries = new Map<string, number>();
  /** namespace → kind → keys, for namespace-wide triggers. */
  private readonly byNamespace = new Map<string, Map<KeyKind, Set<string>>>();
  /** Keys per kind (the known-sessions gauge reads it on every scrape). */
  private readonly counts = new Map<KeyKind, number>();
  /** Lists in progress, by resource and scope (a namespace, or `*` for a cluster-wide list): the keys listed. */
  private readonly snapshots = new Map<string, Set<string>>();

  /** `key` is (or is no longer) backed by an object of `source`. A key stays known while any source backs it. */
  set(key: string, source: WatchedKind, present: boolean): void {
    const bit = sourceBit(source);
    const sources = this.entries.get(key);
    if (present) {
      if (sources !== undefined) {
        this.entries.set(key, sources | bit);
        return;
      }
      const { kind, namespace = '' } = parseQueueKey(key); // '': keys of objects outside Kubernetes
      this.entries.set(key, bit);
      this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
      const kinds = this.byNamespace.get(namespace) ?? new Map<KeyKind, Set<string>>();
      this.byNamespace.set(namespace, kinds);
      const keys = kinds.get(kind) ?? new Set<string>();
      kinds.set(kind, keys);
      keys.add(key);
      return;
    }
    if (sources === undefined) return;
    const remaining = sources & ~bit;
    if (remaining !== 0) {
      this.entries.set(key, remaining);
      return;
    }
    this.entries.delete(key);
    const { kind, namespace = '' } = parseQueueKey(key);
    this.counts.set(kind, (this.counts.get(kind) ?? 1) - 1);
    const kinds = this.byNamespace.get(namespace);
    const keys = kinds?.get(kind);
    keys?.delete(key);
    if (keys?.size === 0) kinds?.delete(kind);
    if (kinds?.size === 0) this.byNamespace.delete(namespace);
  }

  /** Starts collecting a complete list of `source` in `scope` (a namespace, or `*` for all) until {@link endSnapshot}. */
  beginSnapshot(source: WatchedKind, scope: string): void {
    this.snapshots.set(`${source} ${scope}`, new Set());
  }

  addToSnapshot(source: WatchedKind, scope: string, key: string): void {
    this.snapshots.get(`${source} ${scope}`)?.add(key);
  }

  /**
   * Swaps in the collected list: what was listed is backed by `source`, what `source` backed in `scope` and was not
   * listed is pruned (it vanished without a DELETED event, missed while away). Returns the pruned keys.
   */
  endSnapshot(source: WatchedKind, scope: string): string[] {
    const listed = this.snapshots.get(`${source} ${scope}`) ?? new Set<string>();
    this.snapshots.delete(`${source} ${scope}`);
    const bit = sourceBit(source);
    const vanished: string[] = [];
    for (const [key, sources] of this.entries) {
      if ((sources & bit) === 0 || listed.has(key)) continue;
      if (scope !== '*' && (parseQueueKey(key).namespace ?? '') !== scope) continue;
      vanished.push(key);
    }
    for (const key of vanished) this.set(key, source, false);
    for (const key of listed) this.set(key, source, true);
    return vanished;
  }

  /** Known keys of `kind` in `namespace`. */
  keysIn(kind: KeyKind, namespace: string): string[] {
    return [...(this.byNamespace.get(namespace)?.get(kind) ?? [])];
  }

  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  count(kind: KeyKind): number {
    return this.counts.get(kind) ?? 0;
  }
}
