import { parseKey } from '@ambient-operator/shared';
import { reconcileAgentTask, reconcileWorkflow } from '../scheduler/index.js';
import type { Reconciler } from './reconciler.js';

/** The `<kind>:` prefix off: what is left of `task:` and `workflow:` keys is `<namespace>/<name>`. */
const objectOf = (key: string) => parseKey(key.slice(key.indexOf(':') + 1));

/** AgentTasks (`task:<ns>/<name>`, issue 17). */
export const agentTaskReconciler: Reconciler<'task'> = {
  async reconcile(request, deps) {
    const { phase } = await reconcileAgentTask(objectOf(request.key), deps);
    return { phase: phase || 'Pending' };
  },
};

/** Workflows (`workflow:<ns>/<name>`, issue 17). */
export const workflowReconciler: Reconciler<'workflow'> = {
  async reconcile(request, deps) {
    const { phase } = await reconcileWorkflow(objectOf(request.key), deps);
    return { phase: phase || 'Pending' };
  },
};
