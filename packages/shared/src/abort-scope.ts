// The cancellation scope of a reconcile: every Kubernetes call made through `makeKubeClients` (or `makeApiClients`) and every runner call
// made while `withAbortSignal(signal, fn)` runs carries `signal`, so aborting it (timeout, lost lock, shutdown)
// cancels whatever the reconcile is waiting on without threading the signal through each helper.
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` with `signal` as the current abort signal (nested scopes: the inner one wins). */
export function withAbortSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  return scope.run(signal, fn);
}

/** The abort signal of the reconcile this code runs in, if any. */
export function currentAbortSignal(): AbortSignal | undefined {
  return scope.getStore();
}

/** `signal` combined with the current scope's signal (either aborts the result). */
export function withCurrentSignal(signal: AbortSignal): AbortSignal {
  const current = currentAbortSignal();
  return current ? AbortSignal.any([signal, current]) : signal;
}
