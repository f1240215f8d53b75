import { parseKey } from '@ambient-operator/shared';
import { agentTaskKind, workflowKind } from '../scheduler/index.js';
import { phaseModelSubject } from './object-subject.js';
import { runReconcileLoop } from './reconcile-loop.js';
import type { Reconciler } from './reconciler.js';

/** The `<kind>:` prefix off: what is left of `task:` and `workflow:` keys is `<namespace>/<name>`. */
const objectOf = (key: string) => parseKey(key.slice(key.indexOf(':') + 1));

/** AgentTasks (`task:<ns>/<name>`, issue 17). */
export const agentTaskReconciler: Reconciler<'task'> = {
  reconcile: (request, deps) =>
    runReconcileLoop(phaseModelSubject(agentTaskKind(deps), objectOf(request.key), deps)),
};

/** Workflows (`workflow:<ns>/<name>`, issue 17). */
export const workflowReconciler: Reconciler<'workflow'> = {
  reconcile: (request, deps) =>
    runReconcileLoop(phaseModelSubject(workflowKind(deps), objectOf(request.key), deps)),
};
