import { TerminalError, type KeyKind } from '@ambient-operator/shared';
import {
  reconcileApiProject,
  reconcileApiProjectSettings,
  reconcileApiSession,
  type ApiReconcileDeps,
} from '../api-server/index.js';
import type { WorkerDeps } from '../worker-deps.js';
import type { Reconciler } from './reconciler.js';

type ApiKind = Extract<KeyKind, `api-${string}`>;

/** ambient-api-server objects by id (issue 16), reconciled into the cluster in MODE=kube. */
function apiServerReconciler<K extends ApiKind>(
  reconcileId: (id: string, deps: ApiReconcileDeps) => Promise<void>,
): Reconciler<K> {
  return {
    async reconcile(request, deps) {
      await reconcileId(request.ref.id ?? '', apiDeps(request.key, deps));
      return {};
    },
  };
}

function apiDeps(key: string, deps: WorkerDeps): ApiReconcileDeps {
  if (!deps.ambient)
    throw new TerminalError(`${key}: the api-server source is not enabled in MODE=kube here`);
  return { kube: deps.api, ambient: deps.ambient, log: deps.log };
}

const kubeSessionReconciler = apiServerReconciler<'api-session'>(reconcileApiSession);
/** In MODE=local a session is a local process of this worker; otherwise a CR. */
export const apiSessionReconciler: Reconciler<'api-session'> = {
  async reconcile(request, deps) {
    if (!deps.local) return kubeSessionReconciler.reconcile(request, deps);
    await deps.local.reconcile(request.ref.id ?? '', request.signal);
    return {};
  },
};
export const apiProjectReconciler = apiServerReconciler<'api-project'>(reconcileApiProject);
export const apiProjectSettingsReconciler = apiServerReconciler<'api-ps'>(reconcileApiProjectSettings);
