import { reconcileProjectSettings } from '../project-settings/index.js';
import type { Reconciler } from './reconciler.js';

/**
 * ProjectSettings (`ps:<namespace>`): the managed namespace's default ProjectSettings and its children. It has no
 * phase model; its failures are thrown with their kind (see reconcileProjectSettings). Its status schema has no
 * conditions, so terminal failures are counted and logged only.
 */
export const projectSettingsReconciler: Reconciler<'ps'> = {
  async reconcile(request, deps) {
    await reconcileProjectSettings(request.key, deps);
    return {};
  },
};
