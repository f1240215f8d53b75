// The only state the watcher keeps: the keys that exist because some watched object exists (a `self` trigger of
// the key-kind table), with the resources that made them known. No objects are kept, so memory stays at a few dozen
// bytes per key.
import { parseQueueKey, type KeyKind, type WatchedKind } from '@ambient-operator/shared';

interface Entry {
  kind: KeyKind;
  namespace: string;
  sources: Set<WatchedKind>;
}

export class KeyIndex {
  private readonly entries = new Map<string, Entry>();
  /** namespace → kind → keys, for namespace-wide triggers. */
  private readonly byNamespace = new Map<string, Map<KeyKind, Set<string>>>();
  /** Lists in progress, by resource and scope (a namespace, or `*` for a cluster-wide list): the keys listed. */
  private readonly snapshots = new Map<string, Set<string>>();

  /** `key` is (or is no longer) backed by an object of `source`. A key stays known while any source backs it. */
  set(key: string, source: WatchedKind, present: boolean): void {
    const entry = this.entries.get(key);
    if (present) {
      if (entry) {
        entry.sources.add(source);
        return;
      }
      const { kind, namespace = '' } = parseQueueKey(key); // '': keys of objects outside Kubernetes
      this.entries.set(key, { kind, namespace, sources: new Set([source]) });
      const kinds = this.byNamespace.get(namespace) ?? new Map<KeyKind, Set<string>>();
      this.byNamespace.set(namespace, kinds);
      const keys = kinds.get(kind) ?? new Set<string>();
      kinds.set(kind, keys);
      keys.add(key);
      return;
    }
    if (!entry) return;
    entry.sources.delete(source);
    if (entry.sources.size > 0) return;
    this.entries.delete(key);
    const kinds = this.byNamespace.get(entry.namespace);
    const keys = kinds?.get(entry.kind);
    keys?.delete(key);
    if (keys?.size === 0) kinds?.delete(entry.kind);
    if (kinds?.size === 0) this.byNamespace.delete(entry.namespace);
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
    const vanished: string[] = [];
    for (const [key, entry] of this.entries) {
      if (!entry.sources.has(source) || listed.has(key)) continue;
      if (scope !== '*' && entry.namespace !== scope) continue;
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
    let n = 0;
    for (const entry of this.entries.values()) if (entry.kind === kind) n++;
    return n;
  }
}
