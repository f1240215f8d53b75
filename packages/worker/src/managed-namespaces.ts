// Whether a namespace is managed (`ambient-code.io/managed=true`, contract §2.1), as one worker process knows it.
// Upstream GETs the Namespace on every reconcile; a burst of sessions in one namespace then reads the same object
// a thousand times. Here a "managed" answer is kept for a few seconds and shared by the reconciles of the process
// (concurrent misses share one read). "Not managed" is never kept: a namespace that becomes managed is seen by the
// very reconciles its labelling enqueues. One that stops being managed is skipped at most `ttlMs` later — about
// as late as a reconcile that read the label just before it changed.
import { MANAGED_LABEL, MANAGED_LABEL_VALUE } from '@ambient-operator/shared';
import type { V1Namespace } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';

export interface ManagedNamespaces {
  /** Whether `namespace` carries the managed label (NotFound: false); reads it unless a recent read said yes. */
  isManaged(namespace: string): Promise<boolean>;
}

export interface ManagedNamespacesOptions {
  /** The live read; null when the namespace does not exist. */
  read: (namespace: string) => Promise<Wire<V1Namespace> | null>;
  /** A monotonic clock in ms (not the reconcile's clock, which tests may stop). @defaultValue performance.now */
  now?: () => number;
  /** How long a "managed" answer is trusted. @defaultValue 5000 */
  ttlMs?: number;
  /** Namespaces remembered at most (the oldest answer is dropped first). @defaultValue 10000 */
  maxEntries?: number;
}

export const MANAGED_NAMESPACE_TTL_MS = 5000;

export function createManagedNamespaces(options: ManagedNamespacesOptions): ManagedNamespaces {
  const ttlMs = options.ttlMs ?? MANAGED_NAMESPACE_TTL_MS;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? (() => performance.now());
  /** namespace → when its "managed" answer was read; insertion order is age order. */
  const managedAt = new Map<string, number>();
  const inFlight = new Map<string, Promise<boolean>>();

  const readNow = async (namespace: string): Promise<boolean> => {
    const readAt = now();
    const ns = await options.read(namespace);
    const managed = ns?.metadata?.labels?.[MANAGED_LABEL] === MANAGED_LABEL_VALUE;
    managedAt.delete(namespace);
    if (managed) {
      managedAt.set(namespace, readAt);
      if (managedAt.size > maxEntries) managedAt.delete(managedAt.keys().next().value!);
    }
    return managed;
  };

  return {
    isManaged(namespace) {
      const at = managedAt.get(namespace);
      if (at !== undefined && now() - at < ttlMs) return Promise.resolve(true);
      const pending = inFlight.get(namespace);
      if (pending) return pending;
      const read = readNow(namespace).finally(() => inFlight.delete(namespace));
      inFlight.set(namespace, read);
      return read;
    },
  };
}
