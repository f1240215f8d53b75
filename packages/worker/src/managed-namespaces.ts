// Whether a namespace is managed (`ambient-code.io/managed=true`, contract §2.1), as one worker process knows it.
// Upstream GETs the Namespace on every reconcile; a burst of sessions in one namespace then reads the same object
// a thousand times. Here a "managed" answer is kept for a few seconds and shared by the reconciles of the process
// (concurrent misses share one read). "Not managed" is never kept: a namespace that becomes managed is seen by the
// very reconciles its labelling enqueues. One that stops being managed is skipped at most `ttlMs` later — about
// as late as a reconcile that read the label just before it changed. The keeping is recent-reads.ts's.
import { MANAGED_LABEL, MANAGED_LABEL_VALUE } from '@ambient-operator/shared';
import type { V1Namespace } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { createRecentReads, RECENT_READS_TTL_MS } from './recent-reads.js';

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
}

export const MANAGED_NAMESPACE_TTL_MS = RECENT_READS_TTL_MS;

export function createManagedNamespaces(options: ManagedNamespacesOptions): ManagedNamespaces {
  // namespace → true while a "managed" answer is recent; "not managed" is not kept.
  const answers = createRecentReads({
    ttlMs: options.ttlMs ?? MANAGED_NAMESPACE_TTL_MS,
    ...(options.now ? { now: options.now } : {}),
    ...(options.maxEntries !== undefined ? { maxEntries: options.maxEntries } : {}),
  });
  return {
    isManaged: (namespace) =>
      answers.get(
        namespace,
        async () =>
          (await options.read(namespace))?.metadata?.labels?.[MANAGED_LABEL] === MANAGED_LABEL_VALUE,
        (managed) => managed,
      ),
  };
}
