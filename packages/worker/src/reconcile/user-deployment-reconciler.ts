import { setCondition } from '@ambient-operator/machines';
import { validateUserDeployment } from '@ambient-operator/shared';
import {
  readUserDeployment,
  reconcileUserDeployment,
  writeUserDeploymentStatus,
} from '../user-deployment/reconcile-user-deployment.js';
import type { ReconcileRequest, Reconciler, TerminalFailure } from './reconciler.js';
import { RECONCILE_FAILED_CONDITION } from './session-reconciler.js';
import type { WorkerDeps } from '../worker-deps.js';

/** UserDeployments (`ud:<ns>/<name>`, issue 19): the machine in packages/machines, children by spec hash. */
export const userDeploymentReconciler: Reconciler<'ud'> = {
  async reconcile(request, deps) {
    const report = await reconcileUserDeployment(objectRef(request), deps);
    return {
      phase: report.phase || 'Pending',
      ...(report.decision ? { transitions: report.decision.transitions } : {}),
      ...(report.requeueAfterMs === undefined ? {} : { requeueAfterMs: report.requeueAfterMs }),
    };
  },
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
  const ref = objectRef(request);
  const raw = await readUserDeployment(deps, ref);
  const parsed = raw === null ? undefined : validateUserDeployment(raw);
  if (!parsed?.ok || parsed.value.metadata.deletionTimestamp) return;
  const ud = parsed.value;
  const conditions = setCondition(
    ud.status?.conditions ?? [],
    { type: RECONCILE_FAILED_CONDITION, status: 'True', reason: failure.reason, message: failure.message },
    deps.now(),
  );
  await writeUserDeploymentStatus(deps, ref, ud.metadata.resourceVersion, { conditions });
}
