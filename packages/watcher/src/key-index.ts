// The only state the watcher keeps: the keys that exist because some watched object exists (a `self` trigger of
// the key-kind table), with the resources that made them known. No objects are kept, so memory stays at a Map entry
// and a Set entry per key.
import { WATCHED_KINDS, parseQueueKey, type KeyKind, type WatchedKind } from '@ambient-operator/shared';

/** What the index reads from a key: given by a caller that just formatted the key, parsed from it otherwise. */
export interface KeyParts {
  kind: KeyKind;
  /** Absent for keys of objects outside Kubernetes. */
  namespace?: string | undefined;
}

/** The keys of one complete list, collected while its pages come in ({@link KeyIndex.beginSnapshot}). */
export interface ListSnapshot {
  add(key: string, parts?: KeyParts): void;
  /**
   * The list is complete: what was listed is backed by its resource, what the resource backed in the scope and was
   * not listed is pruned (it vanished without a DELETED event, missed while away). Returns the pruned keys.
   */
  end(): string[];
}

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
  /**
   * The resources and scopes (`<kind> <namespace or *>`) whose keys may be in the index: listed, or being listed, at
   * least once. Until then a list has nothing to prune and adds its keys as they come (see beginSnapshot).
   */
  private readonly populated = new Set<string>();

  /** `key` is (or is no longer) backed by an object of `source`. A key stays known while any source backs it. */
  set(key: string, source: WatchedKind, present: boolean, parts?: KeyParts): void {
    const bit = sourceBit(source);
    const sources = this.entries.get(key);
    if (present) {
      if (sources !== undefined) {
        this.entries.set(key, sources | bit);
        return;
      }
      const { kind, namespace = '' } = parts ?? parseQueueKey(key); // '': keys of objects outside Kubernetes
      this.entries.set(key, bit);
      this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
      let kinds = this.byNamespace.get(namespace);
      if (kinds === undefined) this.byNamespace.set(namespace, (kinds = new Map()));
      let keys = kinds.get(kind);
      if (keys === undefined) kinds.set(kind, (keys = new Set()));
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

  /**
   * Starts a complete list of `source` in `scope` (a namespace, or `*` for all). The first list of a resource and
   * scope goes straight into the index as its pages come: nothing of it can have vanished, and building a set of
   * 50,000 listed keys to add them at the end cost a start ~0.2 s. Later lists (relists) collect their keys and swap
   * them in at the end, pruning what was not listed.
   */
  beginSnapshot(source: WatchedKind, scope: string): ListSnapshot {
    const id = `${source} ${scope}`;
    if (!this.populated.has(id)) {
      this.populated.add(id);
      return { add: (key, parts) => this.set(key, source, true, parts), end: () => [] };
    }
    const listed = new Set<string>();
    return {
      add: (key) => listed.add(key),
      end: () => this.swapIn(source, scope, listed),
    };
  }

  private swapIn(source: WatchedKind, scope: string, listed: Set<string>): string[] {
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
