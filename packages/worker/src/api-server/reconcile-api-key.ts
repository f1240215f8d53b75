import { parseApiKey } from '@ambient-operator/shared';
import type { ApiReconcileDeps } from './api-deps.js';
import { reconcileApiProjectSettings } from './reconcile-api-project-settings.js';
import { reconcileApiProject } from './reconcile-api-project.js';
import { reconcileApiSession } from './reconcile-api-session.js';

/** Dispatches an `api-session:` / `api-project:` / `api-ps:` key to its reconciler (MODE=kube). */
export async function reconcileApiKey(key: string, deps: ApiReconcileDeps): Promise<void> {
  const { resource, id } = parseApiKey(key);
  switch (resource) {
    case 'sessions':
      return reconcileApiSession(id, deps);
    case 'projects':
      return reconcileApiProject(id, deps);
    case 'project_settings':
      return reconcileApiProjectSettings(id, deps);
  }
}
