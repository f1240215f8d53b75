import { isDeepStrictEqual } from 'node:util';
import {
  applyStatusPatch,
  decide,
  findCondition,
  setCondition,
  type ConditionType,
  type Decision,
  type SessionCommand,
  type SessionFollowUp,
  type SessionStatusPatch,
} from '@ambient-operator/machines';
import { DESIRED_PHASE, parseKey, runnerTokenSecretName } from '@ambient-operator/shared';
import { CommandFailedError, reportCommandFailure } from '../command-failure.js';
import { executeCommand, type CommandContext } from '../commands/index.js';
import { adoptLegacyService } from '../legacy-runner.js';
import { observeAnnotations } from '../observation-mapping.js';
import { observeSession, withRunnerRead } from '../observe.js';
import type { SessionReadings } from '../observation-mapping.js';
import { recentKey } from '../recent-reads.js';
import { recordTransitions } from '../record-transitions.js';
import { assumptionChecked, runnerAssumptionFailure } from '../runner-assumption.js';
import { mirrorRunnerPodEvents } from '../runner-events.js';
import { readSession, type SessionResource } from '../session-resource.js';
import { forgetSession, recordWrittenSession } from '../status-written.js';
import type { WorkerDeps } from '../worker-deps.js';
import { patchSessionStatus, writeStatus } from '../write-status.js';
import { runReconcileLoop, type LoopSubject } from './reconcile-loop.js';
import type { ReconcileRequest, Reconciler, TerminalFailure } from './reconciler.js';

/** The condition a terminal reconcile error sets on the session (cleared by the next reconcile that succeeds). */
export const RECONCILE_FAILED_CONDITION = 'ReconcileFailed' satisfies ConditionType;

/**
 * AgenticSessions: live reads of the CR and its children, the session machine's plan, idempotent commands, a
 * `/status` merge patch with the read resourceVersion, transitions counted after the write, and a timer for the
 * machine's next deadline.
 */
export const sessionReconciler: Reconciler<'session'> = {
  async reconcile(request, deps) {
    try {
      return await runReconcileLoop(sessionSubject(request, deps, false));
    } catch (err) {
      // The runner was assumed absent or present and is not (runner-assumption.ts). Another reconcile that moved the
      // session on made it so: the queue runs this one again from fresh reads (a conflict). Otherwise the session is
      // as read: start over reading its runner.
      const failed = runnerAssumptionFailure(err);
      if (failed === undefined) throw err;
      const fresh = await readSession(deps, parseKey(request.key));
      if (fresh?.metadata.resourceVersion !== failed.resourceVersion) throw err;
      return runReconcileLoop(sessionSubject(request, deps, true));
    }
  },
  recordTerminalFailure,
};

function sessionSubject(
  request: ReconcileRequest<'session'>,
  deps: WorkerDeps,
  readRunner: boolean,
): LoopSubject<CommandContext, SessionCommand, SessionFollowUp, SessionStatusPatch, Decision> {
  const { namespace, name } = parseKey(request.key);
  const planOf = (
    session: SessionResource,
    readings: SessionReadings,
    followUps: readonly SessionFollowUp[] = [],
  ) => decide({ status: session.status, observation: readings.observation, config: deps.machine, followUps });
  return {
    async load() {
      const session = await readSession(deps, { namespace, name });
      // Gone or going: children follow through their ownerReferences (GC).
      if (session === null || session.metadata.deletionTimestamp) {
        deps.recentReads?.forget(recentKey('secrets', namespace, runnerTokenSecretName(name)));
        await forgetSession(deps, request.key);
        return null;
      }
      // Upstream skips sessions in namespaces without `ambient-code.io/managed=true` (contract §2.1).
      if (!(await deps.managedNamespaces.isManaged(namespace))) {
        deps.log.debug({ key: request.key }, 'namespace not managed; skipped');
        return null;
      }
      let readings = await observeSession(deps, session, { readRunner });
      if (readings.runnerAssumed && !assumptionChecked(readings, planOf(session, readings).commands))
        readings = await withRunnerRead(deps, session, readings);
      const ctx: CommandContext = {
        deps,
        session,
        readings,
        resourceVersion: session.metadata.resourceVersion,
      };
      // Cutover: the Go operator's runner pod is this run's runner; its pod-owned Service becomes the session's —
      // while the session runs it. Stopping or ended, the Service is deleted, not adopted: adopting re-created it
      // while the pod terminated, and Stopped had to delete it a second time on every stop.
      if (readings.legacyPod !== null && readings.valid !== undefined && runsAdoptedRunner(session))
        await adoptLegacyService(ctx);
      // The UI's start-up panel lists events of `<name>-runner`: our runner pod's carry the Job's suffix.
      if (session.status?.phase === 'Creating') await mirrorRunnerPodEvents(ctx);
      return ctx;
    },
    async reread(ctx) {
      const fresh = await readSession(deps, { namespace, name });
      if (
        fresh === null ||
        fresh.metadata.deletionTimestamp ||
        fresh.metadata.generation !== ctx.session.metadata.generation ||
        // Another reconcile of this key moved the session on (two run at once after a Redis flush dropped the
        // queue's locks): it judged children that ours were read before, so only fresh reads may judge its phase.
        !isDeepStrictEqual(fresh.status?.phaseHistory, ctx.session.status?.phaseHistory)
      )
        return null;
      // Fresh status and one-shot annotations (the backend's writes); the children as observed before the commands.
      const annotations = observeAnnotations(fresh.metadata.annotations ?? {});
      const observation = { ...ctx.readings.observation, annotations };
      return {
        ...ctx,
        session: fresh,
        readings: { ...ctx.readings, observation },
        resourceVersion: fresh.metadata.resourceVersion,
      };
    },
    phaseOf: (ctx) => ctx.session.status?.phase || 'Pending',
    nowMs: (ctx) => ctx.readings.observation.nowMs,
    decide: (ctx, followUps) => clearingReconcileFailure(ctx, planOf(ctx.session, ctx.readings, followUps)),
    async execute(ctx, command) {
      try {
        return await executeCommand(ctx, command);
      } catch (error) {
        if (runnerAssumptionFailure(error)) throw error;
        await reportCommandFailure(ctx, command, error);
        throw new CommandFailedError(command.type, error);
      }
    },
    writeStatus: (ctx, patch) => writeStatus(ctx, patch),
    async statusWritten(ctx, plan) {
      const written = applyStatusPatch(ctx.session.status, plan.statusPatch);
      recordTransitions(deps.metrics, namespace, plan.transitions, written, ctx.readings.observation.nowMs);
      await recordWrittenSession(deps, {
        key: request.key,
        session: ctx.session,
        job: ctx.readings.job,
        pod: ctx.readings.pod,
        decision: plan,
        written,
        nowMs: ctx.readings.observation.nowMs,
        signal: request.signal,
      });
    },
  };
}

/** A session that starts or runs its runner (no stop asked for): the one whose adopted pod keeps its Service. */
function runsAdoptedRunner(session: SessionResource): boolean {
  const phase = session.status?.phase;
  return (
    (phase === undefined || phase === 'Pending' || phase === 'Creating' || phase === 'Running') &&
    session.metadata.annotations?.[DESIRED_PHASE] !== 'Stopped'
  );
}

/** The machine's plan, plus clearing a ReconcileFailed condition a terminal error left (this run got this far). */
function clearingReconcileFailure(ctx: CommandContext, decision: Decision): Decision {
  const status = ctx.session.status;
  if (findCondition(status?.conditions, RECONCILE_FAILED_CONDITION)?.status !== 'True') return decision;
  const conditions = setCondition(
    decision.statusPatch.conditions ?? status?.conditions ?? [],
    { type: RECONCILE_FAILED_CONDITION, status: 'False', reason: 'Reconciled', message: '' },
    ctx.readings.observation.nowMs,
  );
  return { ...decision, statusPatch: { ...decision.statusPatch, conditions } };
}

/** Writes `ReconcileFailed=True` with the error on the session, so a user sees why nothing happens. */
async function recordTerminalFailure(
  request: ReconcileRequest<'session'>,
  failure: TerminalFailure,
  deps: WorkerDeps,
): Promise<void> {
  const session = await readSession(deps, parseKey(request.key));
  if (session === null || session.metadata.deletionTimestamp) return;
  const conditions = setCondition(
    session.status?.conditions ?? [],
    { type: RECONCILE_FAILED_CONDITION, status: 'True', reason: failure.reason, message: failure.message },
    deps.now(),
  );
  await patchSessionStatus({ deps }, session, session.metadata.resourceVersion, { conditions });
}
