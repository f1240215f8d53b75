// Whether a namespace is managed (`ambient-code.io/managed=true`, contract §2.1), as one worker process knows it.
// Upstream GETs the Namespace on every reconcile; a burst of sessions in one namespace then reads the same object
// a thousand times. Here a "managed" answer is kept for a few seconds and shared by the reconciles of the process
// (concurrent misses share one read). "Not managed" is never kept: a namespace that becomes managed is seen by the
// very reconciles its labelling enqueues. One that stops being managed is skipped at most `ttlMs` later — about
// as late as a reconcile that read the label just before it changed. The keeping is recent-reads.ts's.
// While the process's watch of managed namespaces is in step (watched-inputs.ts), a namespace it holds is managed
// without a read, and one it does not hold is read live (just labelled, its event may not have come yet).
import { MANAGED_LABEL, MANAGED_LABEL_VALUE } from '@ambient-operator/shared';
import type { V1Namespace } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { createRecentReads, RECENT_READS_TTL_MS, type WatchedAnswers } from './recent-reads.js';
import { namespaceKey } from './watched-inputs.js';

export interface ManagedNamespaces {
  /** Whether `namespace` carries the managed label (NotFound: false); reads it unless a recent read said yes. */
  isManaged(namespace: string): Promise<boolean>;
}

export interface ManagedNamespacesOptions {
  /** The live read; null when the namespace does not exist. */
  read: (namespace: string) => Promise<Wire<V1Namespace> | null>;
  /** A monotonic clock in ms (not the reconcile's clock, which tests may stop). @defaultValue performance.now */
  now?: () => number;
  /** How long a "managed" answer is trusted. @defaultValue MANAGED_NAMESPACE_TTL_MS */
  ttlMs?: number;
  /** Namespaces remembered at most (the oldest answer is dropped first). @defaultValue 10000 */
  maxEntries?: number;
  /** The process's watch of managed namespaces. */
  watched?: WatchedAnswers;
}

export const MANAGED_NAMESPACE_TTL_MS = RECENT_READS_TTL_MS;

export function createManagedNamespaces(options: ManagedNamespacesOptions): ManagedNamespaces {
  // namespace → true while a "managed" answer is recent; "not managed" is not kept.
  const answers = createRecentReads({
    ttlMs: options.ttlMs ?? MANAGED_NAMESPACE_TTL_MS,
    ...(options.now ? { now: options.now } : {}),
    ...(options.maxEntries !== undefined ? { maxEntries: options.maxEntries } : {}),
  });
  const readManaged = async (namespace: string) =>
    (await options.read(namespace))?.metadata?.labels?.[MANAGED_LABEL] === MANAGED_LABEL_VALUE;
  return {
    isManaged(namespace) {
      const watched = options.watched?.answer(namespaceKey(namespace));
      if (watched === undefined)
        return answers.get(
          namespace,
          () => readManaged(namespace),
          (managed) => managed,
        );
      return watched === null ? readManaged(namespace) : Promise.resolve(true);
    },
  };
}
