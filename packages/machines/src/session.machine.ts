import { setup } from 'xstate';
import { classifyRunner } from './runner-verdict.js';
import { sessionActions } from './session.actions.js';
import type { ObserveEvent, SessionContext, SessionEvent } from './session.context.js';
import { sessionGuards } from './session.guards.js';
import { stopReasonFromAnnotations } from './session.updates.js';

/**
 * The session phase model: the upstream table (contract §2.2) with the changes of architecture §3.
 * One event, OBSERVE, carries what a reconcile saw; in each state its guarded alternatives are
 * tried in order and the first that holds is taken. Targetless alternatives stay in the phase and
 * only update status or issue commands. Nothing here has effects: assigns shape the next status,
 * and the command actions (empty) come back from `transition()` as data for the worker.
 *
 * Two bookkeeping actions are read by `decide`: `phaseChanged {reason}` on every transition that
 * changes phase, and `reevaluate` where the same observation must be judged again by the new phase
 * in the same reconcile (e.g. None → Pending → Creating).
 */

type AnyArgs = { context: SessionContext; event: SessionEvent };

const verdictOf = ({ event }: AnyArgs, runnerWasRunning: boolean) =>
  classifyRunner(event.observation.runner, runnerWasRunning);

const stopReasonLabel = ({ context, event }: AnyArgs) =>
  (context.stoppedReason ?? stopReasonFromAnnotations(event)) === 'inactivity'
    ? 'InactivityTimeout'
    : 'UserStopped';

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionContext,
  },
  guards: sessionGuards,
  actions: sessionActions,
}).createMachine({
  id: 'session',
  initial: 'New',
  context: ({ input }) => input,
  states: {
    /** No status.phase yet; every session leaves at once, so `ambient_sessions_total` counts None → Pending. */
    New: {
      on: {
        OBSERVE: [
          {
            target: 'Pending',
            description: 'new session',
            actions: [
              { type: 'phaseChanged', params: { reason: 'SessionCreated' } },
              'startRun',
              'reevaluate',
            ],
          },
        ],
      },
    },

    Pending: {
      on: {
        OBSERVE: [
          {
            guard: 'stopRequestedRunnerGone',
            target: 'Stopped',
            actions: [{ type: 'phaseChanged', params: stopReasonLabelParams }, 'markStopped', 'issueStopped'],
          },
          {
            guard: 'stopRequested',
            target: 'Stopping',
            actions: [
              { type: 'phaseChanged', params: { reason: 'StopRequested' } },
              { type: 'markStopping', params: { reason: 'annotation' } },
              'issueStopping',
              'reevaluate',
            ],
          },
          {
            guard: 'specInvalid',
            target: 'Failed',
            actions: [
              { type: 'phaseChanged', params: ({ event }) => ({ reason: firstIssueReason(event) }) },
              'markInvalid',
              'issueTerminalCleanup',
              'issueConsumedDesiredPhase',
            ],
          },
          { guard: 'runnerOfEarlierRun', actions: ['markWaitingForEarlierRunner', 'issueRunnerDeletion'] },
          {
            guard: 'runnerOfThisRun',
            target: 'Creating',
            actions: [
              { type: 'phaseChanged', params: { reason: 'RunnerJobExists' } },
              { type: 'markRunnerCreated', params: { adopted: true } },
              'issueRunnerAdoption',
            ],
          },
          {
            guard: 'vertexSecretMissing',
            target: 'Failed',
            actions: [
              { type: 'phaseChanged', params: { reason: 'VertexSecretMissing' } },
              'markVertexSecretMissing',
              'issueTerminalCleanup',
              'issueConsumedDesiredPhase',
            ],
          },
          { guard: 'runnerSecretMissing', actions: ['markRunnerSecretMissing'] },
          { guard: 'recreationBackoffPending' },
          {
            target: 'Creating',
            description: 'create runner',
            actions: [
              { type: 'phaseChanged', params: { reason: 'RunnerJobCreated' } },
              'ensureRunStart',
              // Before markRunnerCreated: IS_RESUME reads observedGeneration as it was before this runner.
              'issueRunnerCreation',
              { type: 'markRunnerCreated', params: { adopted: false } },
            ],
          },
        ],
      },
    },

    Creating: {
      on: {
        OBSERVE: [
          {
            guard: 'stopRequestedRunnerGone',
            target: 'Stopped',
            actions: [{ type: 'phaseChanged', params: stopReasonLabelParams }, 'markStopped', 'issueStopped'],
          },
          {
            guard: 'stopRequested',
            target: 'Stopping',
            actions: [
              { type: 'phaseChanged', params: { reason: 'StopRequested' } },
              { type: 'markStopping', params: { reason: 'annotation' } },
              'issueStopping',
              'reevaluate',
            ],
          },
          ...runnerOutcomeTransitions(false),
          {
            guard: { type: 'runnerStarted', params: { runnerWasRunning: false } },
            target: 'Running',
            actions: [
              { type: 'phaseChanged', params: { reason: 'RunnerStarted' } },
              'markRunnerStarted',
              // Running's own checks (spec drift, token) apply to this observation at once.
              'reevaluate',
            ],
          },
          { actions: ['markScheduling', 'issueTokenMaintenance', 'issueSatisfiedStartRequest'] },
        ],
      },
    },

    Running: {
      on: {
        OBSERVE: [
          {
            guard: 'stopRequested',
            target: 'Stopping',
            actions: [
              { type: 'phaseChanged', params: { reason: 'StopRequested' } },
              { type: 'markStopping', params: { reason: 'annotation' } },
              'issueStopping',
              'reevaluate',
            ],
          },
          ...runnerOutcomeTransitions(true),
          {
            guard: 'inactivityTimeoutExceeded',
            target: 'Stopping',
            actions: [
              { type: 'phaseChanged', params: { reason: 'InactivityTimeout' } },
              { type: 'markStopping', params: { reason: 'inactivity' } },
              'issueStopping',
              'reevaluate',
            ],
          },
          {
            guard: 'specSyncReported',
            actions: ['recordSpecSync', 'issueTokenMaintenance', 'issueSatisfiedStartRequest'],
          },
          {
            guard: 'specChanged',
            actions: [
              'markSpecSyncRequested',
              'issueSpecSync',
              'issueTokenMaintenance',
              'issueSatisfiedStartRequest',
            ],
          },
          { actions: ['issueTokenMaintenance', 'issueSatisfiedStartRequest'] },
        ],
      },
    },

    Stopping: {
      on: {
        OBSERVE: [
          {
            guard: 'runnerGone',
            target: 'Stopped',
            actions: [
              { type: 'phaseChanged', params: stopReasonLabelParams },
              'markStopped',
              { type: 'issueStopped', params: { serviceDeleted: true } },
              'reevaluate',
            ],
          },
          { guard: 'stopGraceExpired', actions: ['issueForcedRunnerDeletion'] },
          { actions: ['issueRunnerDeletion'] },
        ],
      },
    },

    Stopped: { on: { OBSERVE: terminalTransitions() } },
    Completed: { on: { OBSERVE: terminalTransitions() } },
    Failed: { on: { OBSERVE: terminalTransitions() } },
  },
});

function stopReasonLabelParams(args: AnyArgs): { reason: string } {
  return { reason: stopReasonLabel(args) };
}

function firstIssueReason(event: ObserveEvent): string {
  const validation = event.observation.validation;
  return validation.ok ? 'InvalidSpec' : (validation.issues[0]?.reason ?? 'InvalidSpec');
}

/** Creating and Running both watch the runner end or vanish (architecture §3). */
function runnerOutcomeTransitions(runnerWasRunning: boolean) {
  const params = { runnerWasRunning };
  const verdictReason = (args: AnyArgs) => {
    const verdict = verdictOf(args, runnerWasRunning);
    return { reason: 'reason' in verdict ? verdict.reason : 'RunnerGone' };
  };
  return [
    {
      guard: { type: 'runnerSucceeded', params },
      target: 'Completed',
      actions: [
        { type: 'phaseChanged', params: verdictReason },
        { type: 'markRunnerFinished', params },
        'issueTerminalCleanup',
      ],
    },
    {
      guard: { type: 'runnerFailed', params },
      target: 'Failed',
      actions: [
        { type: 'phaseChanged', params: verdictReason },
        { type: 'markRunnerFinished', params },
        'issueTerminalCleanup',
      ],
    },
    {
      guard: { type: 'runnerVanishedRecreatable', params },
      target: 'Pending',
      actions: [
        { type: 'phaseChanged', params: verdictReason },
        { type: 'recreateRun', params },
        'issueRunnerDeletion',
      ],
    },
    {
      guard: { type: 'runnerVanishedLimitReached', params },
      target: 'Failed',
      actions: [
        { type: 'phaseChanged', params: { reason: 'RunnerLost' } },
        'markRunnerLost',
        'issueTerminalCleanup',
      ],
    },
  ] as const;
}

/** Terminal phases are left only by desired-phase=Running (contract rows 26/27). */
function terminalTransitions() {
  return [
    {
      guard: 'startRequested',
      target: 'Pending',
      actions: [
        { type: 'phaseChanged', params: { reason: 'RestartRequested' } },
        'restartRun',
        'issueRestart',
        'reevaluate',
      ],
    },
    { actions: ['issueRunnerDeletion'] },
  ] as const;
}

export type SessionMachine = typeof sessionMachine;
