// A runner Job deleted with Background propagation (a stop, a terminal cleanup) ends in three events: the Job's
// DELETED, its pod's deletion mark once the garbage collector acts, and the pod's DELETED once it terminated. Only the
// last tells the session something the first did not: the session waits for its runner to be gone, and a reconcile
// woken by either of the first two found the pod terminating and decided nothing (a stop cost one such reconcile of
// two or three reads). So a Job's DELETED waits a little for its pod: when the pod's deletion mark comes first, that
// mark and the Job's DELETED enqueue nothing and the pod's DELETED does; when it does not (a Job without pods, a slow
// garbage collector), the Job's keys are enqueued after the wait, as before. Nothing is dropped: a deletion mark is
// always followed by a DELETED, and a pod the collector orphans instead changes its owners, which enqueues.

/** How long a deleted Job's keys wait for its pod's deletion mark (the garbage collector acts within milliseconds). */
export const defaultCascadeWaitMs = 2000;
/** How long a deleted Job's uid is remembered for its pods' deletion marks. */
const REMEMBERED_MS = 60_000;

export interface JobCascades {
  /** A runner Job was deleted: its keys are enqueued after the wait unless its pod's deletion mark comes first. */
  jobDeleted(uid: string | undefined, keys: string[]): void;
  /**
   * A runner pod's first deletion mark: true when its controller Job was deleted (the keys wait for the pod's
   * DELETED, and the Job's pending keys are dropped).
   */
  podDeletionOfDeletedJob(ownerUid: string | undefined): boolean;
  /** Enqueues what is still waiting and stops the timers. */
  flush(): void;
}

export function createJobCascades(
  enqueue: (keys: string[]) => void,
  waitMs = defaultCascadeWaitMs,
  now: () => number = Date.now,
): JobCascades {
  const pending = new Map<string, { keys: string[]; timer: NodeJS.Timeout }>();
  /** Deleted Jobs by uid, with when they are forgotten (insertion order is expiry order). */
  const deleted = new Map<string, number>();

  const forgetExpired = () => {
    for (const [uid, until] of deleted) {
      if (until > now()) break;
      deleted.delete(uid);
    }
  };
  const release = (uid: string) => {
    const entry = pending.get(uid);
    if (entry === undefined) return undefined;
    clearTimeout(entry.timer);
    pending.delete(uid);
    return entry.keys;
  };

  return {
    jobDeleted(uid, keys) {
      if (uid === undefined) return enqueue(keys);
      forgetExpired();
      deleted.delete(uid);
      deleted.set(uid, now() + REMEMBERED_MS);
      const earlier = release(uid) ?? [];
      const timer = setTimeout(() => {
        const waited = release(uid);
        if (waited) enqueue(waited);
      }, waitMs);
      pending.set(uid, { keys: [...new Set([...earlier, ...keys])], timer });
    },
    podDeletionOfDeletedJob(ownerUid) {
      if (ownerUid === undefined) return false;
      forgetExpired();
      if (!deleted.has(ownerUid)) return false;
      release(ownerUid);
      return true;
    },
    flush() {
      for (const uid of [...pending.keys()]) {
        const keys = release(uid);
        if (keys) enqueue(keys);
      }
    },
  };
}
