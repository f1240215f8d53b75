// Answers this worker process read (or wrote) a moment ago, reused instead of read again: the Kubernetes API has no
// conditional GET, so a read whose answer the process already holds costs a full request. Building a runner reads
// the same namespace-wide objects for every session of a namespace (its Secrets, the CA ConfigMap, ProjectSettings,
// the NetworkPolicy), and a session's next reconcile reads back the token Secret its previous one wrote.
//
// Only answers whose change wakes no reconcile that must see it are kept (the watcher enqueues nothing for these
// objects, and ProjectSettings is kept only for what a runner is built from): a reconcile that reuses an answer of
// `ttlMs` ago acts as one that read it just before it changed, which a live read cannot rule out either. What a change
// wakes reconciles for (ProjectSettings' inactivity timeout) stays a live read: the enqueue may come before the
// process's own watch has the change. Concurrent misses of one key share one read; it runs in the first reconcile's
// cancellation scope (abort-scope.ts), so when that reconcile is cancelled (timeout, lost lock) the others that joined
// it read for themselves instead of failing with its abort.
//
// The namespace-wide inputs are also watched by the process (watched-inputs.ts): a key without a recent answer takes
// the watch's before a live read (the object as the API server sent it, or null: what those keys' readers read), and
// a watch event for a key drops its recent answer, so what is held is never older than what the watch saw. A recent
// answer comes first: it may be this process's own write, which its watch has not shown yet. What decides whether a
// runner is built at all (the runner Secret) takes the watch's answer only for a presence (`current`).
import { currentAbortSignal } from '@ambient-operator/shared';

/** What watches hold (watched-inputs.ts), by key. */
export interface WatchedAnswers {
  /** The object, null when the watch holds none, or undefined when no watch in step covers the key. */
  answer(key: string): unknown;
}

export interface RecentReads {
  /**
   * `read()`'s answer for `key`, or the one this process read or wrote for it less than the TTL ago. `keep` says which
   * answers may be reused (e.g. not an absence the next reconcile must see as soon as it ends).
   */
  get<T>(key: string, read: () => Promise<T>, keep?: (answer: T) => boolean): Promise<T>;
  /**
   * The watch's answer for `key` when `trust` accepts it (say, a presence), else `read()`'s: never an answer held
   * from an earlier read, for what must be as current as a live read (an absence to confirm).
   */
  current<T>(key: string, read: () => Promise<T>, trust: (answer: T) => boolean): Promise<T>;
  /** What this process just wrote (the API's answer to the write): the next read of `key` is this. */
  set(key: string, answer: unknown): void;
  /** Drops `key`'s answer (a write whose result is unknown, an object going away). */
  forget(key: string): void;
}

export interface RecentReadsOptions {
  /** A monotonic clock in ms. @defaultValue performance.now */
  now?: () => number;
  /** How long an answer is reused. @defaultValue RECENT_READS_TTL_MS */
  ttlMs?: number;
  /** Answers kept at most (the oldest is dropped first). @defaultValue 10000 */
  maxEntries?: number;
  /** The process's watches of namespace-wide inputs, asked before a live read. */
  watched?: WatchedAnswers;
}

/** How long an answer is reused, here and for a "managed" Namespace answer (managed-namespaces.ts). */
export const RECENT_READS_TTL_MS = 5000;

/** The key of a namespaced object: `<resource>:<namespace>/<name>`. */
export function recentKey(resource: string, namespace: string, name: string): string {
  return `${resource}:${namespace}/${name}`;
}

export function createRecentReads(options: RecentReadsOptions = {}): RecentReads {
  const ttlMs = options.ttlMs ?? RECENT_READS_TTL_MS;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? (() => performance.now());
  /** key → answer and when it was read; insertion order is age order. */
  const answers = new Map<string, { answer: unknown; at: number }>();
  /**
   * Reads in flight, with the cancellation signal of the reconcile that started each; set/forget drop theirs, so an
   * answer older than a write is never stored over it.
   */
  const inFlight = new Map<string, { reading: Promise<unknown>; signal: AbortSignal | undefined }>();

  const store = (key: string, answer: unknown, at: number) => {
    answers.delete(key);
    answers.set(key, { answer, at });
    if (answers.size > maxEntries) answers.delete(answers.keys().next().value!);
  };

  const recentReads: RecentReads = {
    get<T>(key: string, read: () => Promise<T>, keep: (answer: T) => boolean = () => true): Promise<T> {
      const held = answers.get(key);
      if (held !== undefined && now() - held.at < ttlMs) return Promise.resolve(held.answer as T);
      const watched = options.watched?.answer(key);
      if (watched !== undefined) return Promise.resolve(watched as T);
      const pending = inFlight.get(key);
      if (pending) {
        const mine = currentAbortSignal();
        return (pending.reading as Promise<T>).catch((err: unknown) => {
          // Its starter was cancelled, not this reconcile: the failure is not this one's answer.
          if (pending.signal?.aborted && mine?.aborted !== true) return recentReads.get(key, read, keep);
          throw err;
        });
      }
      const readAt = now();
      const reading: Promise<T> = read().then(
        (answer) => {
          if (inFlight.get(key)?.reading === reading) {
            inFlight.delete(key);
            if (keep(answer)) store(key, answer, readAt);
            else answers.delete(key);
          }
          return answer;
        },
        (err: unknown) => {
          if (inFlight.get(key)?.reading === reading) inFlight.delete(key);
          throw err;
        },
      );
      inFlight.set(key, { reading, signal: currentAbortSignal() });
      return reading;
    },
    current<T>(key: string, read: () => Promise<T>, trust: (answer: T) => boolean): Promise<T> {
      const watched = options.watched?.answer(key) as T | undefined;
      return watched !== undefined && trust(watched) ? Promise.resolve(watched) : read();
    },
    set(key, answer) {
      inFlight.delete(key);
      store(key, answer, now());
    },
    forget(key) {
      inFlight.delete(key);
      answers.delete(key);
    },
  };
  return recentReads;
}

/** `read()` through the process's recent answers when it keeps them (WorkerDeps.recentReads), live otherwise. */
export function readRecent<T>(
  recent: RecentReads | undefined,
  key: string,
  read: () => Promise<T>,
  keep?: (answer: T) => boolean,
): Promise<T> {
  return recent === undefined ? read() : recent.get(key, read, keep);
}

/** `read()` unless the process's watches hold an answer for `key` that `trust` accepts (RecentReads.current). */
export function readCurrent<T>(
  recent: RecentReads | undefined,
  key: string,
  read: () => Promise<T>,
  trust: (answer: T) => boolean,
): Promise<T> {
  return recent === undefined ? read() : recent.current(key, read, trust);
}
