import { setCondition } from '@ambient-operator/machines';
import { validateUserDeployment } from '@ambient-operator/shared';
import { patchStatus, readStoredObject } from '../stored-object.js';
import { userDeploymentApi, userDeploymentKind } from '../user-deployment/reconcile-user-deployment.js';
import type { WorkerDeps } from '../worker-deps.js';
import { phaseModelSubject } from './object-subject.js';
import { runReconcileLoop } from './reconcile-loop.js';
import type { ReconcileRequest, Reconciler, TerminalFailure } from './reconciler.js';
import { RECONCILE_FAILED_CONDITION } from './session-reconciler.js';

/** UserDeployments (`ud:<ns>/<name>`, issue 19): the machine in packages/machines, children by spec hash. */
export const userDeploymentReconciler: Reconciler<'ud'> = {
  reconcile: (request, deps) =>
    runReconcileLoop(phaseModelSubject(userDeploymentKind(deps), objectRef(request), deps)),
  recordTerminalFailure,
};

/** `ud` keys have scope `object`: the key-kind table's parse always gives both names. */
function objectRef(request: ReconcileRequest<'ud'>): { namespace: string; name: string } {
  return { namespace: request.ref.namespace ?? '', name: request.ref.name ?? '' };
}

/** A failure no retry fixes, as a `ReconcileFailed` condition on the UserDeployment (best effort). */
async function recordTerminalFailure(
  request: ReconcileRequest<'ud'>,
  failure: TerminalFailure,
  deps: WorkerDeps,
): Promise<void> {
  const object = await readStoredObject(deps, userDeploymentApi, objectRef(request));
  const parsed = object === null ? undefined : validateUserDeployment(object.raw);
  if (!object || !parsed?.ok || object.metadata.deletionTimestamp) return;
  const conditions = setCondition(
    parsed.value.status?.conditions ?? [],
    { type: RECONCILE_FAILED_CONDITION, status: 'True', reason: failure.reason, message: failure.message },
    deps.now(),
  );
  await patchStatus(deps, userDeploymentApi, object.metadata, { conditions });
}
