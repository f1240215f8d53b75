import type { EventObject } from 'xstate';
import { assign, enqueueActions } from 'xstate';
import { classifyRunner } from './runner-verdict.js';
import type { CommandAction, SessionCommand } from './session.commands.js';
import { commandActions, toCommandAction } from './session.commands.js';
import type { ObserveEvent, SessionContext, SessionEvent } from './session.context.js';
import type { RunnerGuardParams } from './session.guards.js';
import * as plans from './session.plans.js';
import type { ContextUpdate } from './session.updates.js';
import * as updates from './session.updates.js';

/**
 * The machine's named actions. Three kinds:
 * - status updates (`assign`), whose logic is in session.updates.ts;
 * - `issue…` actions, which enqueue the commands of a plan (session.plans.ts) as the named,
 *   empty command actions, so `transition()` returns them as `{ type, params }`;
 * - bookkeeping read by `decide`: `phaseChanged {reason}` and `reevaluate`.
 */

type Plan<TParams> = (context: SessionContext, event: ObserveEvent, params: TParams) => SessionCommand[];

/** An action that enqueues the commands of a plan as the named command actions. */
function issue<TParams extends object | undefined = undefined>(plan: Plan<TParams>) {
  return enqueueActions<
    SessionContext,
    SessionEvent,
    TParams,
    SessionEvent,
    never,
    CommandAction,
    never,
    never,
    EventObject
  >(({ context, event, enqueue }, params) => {
    for (const command of plan(context, event, params)) enqueue(toCommandAction(command));
  });
}

/** A status update as an `assign` action. */
function update<TParams extends object | undefined = undefined>(
  fn: (context: SessionContext, event: ObserveEvent, params: TParams) => ContextUpdate,
) {
  return assign<SessionContext, SessionEvent, TParams, SessionEvent, never>(({ context, event }, params) =>
    fn(context, event, params),
  );
}

const runnerVerdict = (event: ObserveEvent, params: RunnerGuardParams) =>
  classifyRunner(event.observation.runner, params.runnerWasRunning);

export const sessionActions = {
  ...commandActions,
  phaseChanged: (_args: unknown, _params: { reason: string }) => {},
  reevaluate: () => {},

  startRun: update(updates.startRun),
  ensureRunStart: update(updates.ensureRunStart),
  restartRun: update(updates.restartRun),
  recreateRun: update<RunnerGuardParams>((context, event, params) =>
    updates.recreateRun(context, event, runnerVerdict(event, params)),
  ),
  markRunnerCreated: update<{ adopted: boolean }>((context, event, params) =>
    updates.markRunnerCreated(context, event, params.adopted),
  ),
  markRunnerSecretMissing: update(updates.markRunnerSecretMissing),
  markVertexSecretMissing: update(updates.markVertexSecretMissing),
  markWaitingForEarlierRunner: update(updates.markWaitingForEarlierRunner),
  markScheduling: update(updates.markScheduling),
  markRunnerStarted: update(updates.markRunnerStarted),
  markRunnerFinished: update<RunnerGuardParams>((context, event, params) => {
    const verdict = runnerVerdict(event, params);
    const { reason, message } = 'reason' in verdict ? verdict : { reason: 'Unknown', message: '' };
    return updates.markFinished(context, event, reason, message);
  }),
  markRunnerLost: update((context, event) =>
    updates.markFinished(
      context,
      event,
      'RunnerLost',
      `The runner vanished and the re-creation limit (${event.config.maxRunnerRecreations}) was reached`,
    ),
  ),
  markInvalid: update(updates.markInvalid),
  markStopping: update<{ reason: 'user' | 'inactivity' | 'annotation' }>((context, event, params) =>
    updates.markStopping(
      context,
      event,
      params.reason === 'annotation' ? updates.stopReasonFromAnnotations(event) : params.reason,
    ),
  ),
  markStopped: update(updates.markStopped),
  markSpecSyncRequested: update(updates.markSpecSyncRequested),
  recordSpecSync: update(updates.recordSpecSync),

  issueRunnerCreation: issue(plans.runnerCreationCommands),
  issueRunnerAdoption: issue((_c, e) => plans.runnerAdoptionCommands(e)),
  issueTokenMaintenance: issue((_c, e) => plans.tokenCommands(e)),
  issueRunnerDeletion: issue((_c, e) => plans.deleteRunnerCommands(e)),
  issueForcedRunnerDeletion: issue(() => plans.forceDeleteRunnerCommands()),
  issueStopping: issue((_c, e) => plans.stoppingCommands(e)),
  issueTerminalCleanup: issue((_c, e) => plans.terminalCleanupCommands(e)),
  issueStopped: issue<{ serviceDeleted: boolean } | undefined>((_c, e, params) =>
    plans.stoppedCommands(e, params?.serviceDeleted ?? false),
  ),
  issueRestart: issue((_c, e) => plans.restartCommands(e)),
  issueConsumedDesiredPhase: issue((_c, e) => plans.consumedDesiredPhaseCommands(e)),
  issueSatisfiedStartRequest: issue((_c, e) => plans.satisfiedStartRequestCommands(e)),
  issueSpecSync: issue((_c, e) => plans.specSyncCommands(e)),
};
