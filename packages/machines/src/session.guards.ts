import type { RunnerVerdict } from './runner-verdict.js';
import { classifyRunner } from './runner-verdict.js';
import type { ObserveEvent, SessionContext } from './session.context.js';
import { inactivityDeadlineMs, recreationReadyAtMs, stopGraceDeadlineMs } from './session-deadlines.js';

/** What every guard sees. Guards are pure: the clock is `event.observation.nowMs`. */
export interface GuardArgs {
  context: SessionContext;
  event: ObserveEvent;
}

/** Params of the runner guards: whether the runner was already seen running (phase Running). */
export interface RunnerGuardParams {
  runnerWasRunning: boolean;
}

export function runnerVerdict({ event }: GuardArgs, params: RunnerGuardParams): RunnerVerdict {
  return classifyRunner(event.observation.runner, params.runnerWasRunning);
}

export const stopRequested = ({ event }: GuardArgs): boolean =>
  event.observation.annotations.desiredPhase === 'Stopped';

export const startRequested = ({ event }: GuardArgs): boolean =>
  event.observation.annotations.desiredPhase === 'Running';

/** Neither a runner Job nor a runner pod exists any more. */
export const runnerGone = ({ event }: GuardArgs): boolean =>
  event.observation.runner.job === null && event.observation.runner.pod === null;

export const stopRequestedRunnerGone = (args: GuardArgs): boolean => stopRequested(args) && runnerGone(args);

export const specInvalid = ({ event }: GuardArgs): boolean => !event.observation.validation.ok;

/** A Job exists that was not created for this run (other run-start-time, none, or being deleted). */
export const runnerOfEarlierRun = ({ context, event }: GuardArgs): boolean => {
  const job = event.observation.runner.job;
  return (
    job !== null &&
    (job.deleting || context.startTime === undefined || job.runStartTime !== context.startTime)
  );
};

/** The Job of this run already exists (created by a reconcile whose status write was lost). */
export const runnerOfThisRun = ({ context, event }: GuardArgs): boolean => {
  const job = event.observation.runner.job;
  return (
    job !== null && !job.deleting && context.startTime !== undefined && job.runStartTime === context.startTime
  );
};

export const runnerSecretMissing = ({ event }: GuardArgs): boolean => !event.observation.runnerSecret.present;

/** Vertex mode without `ambient-vertex` in BACKEND_NAMESPACE: retrying cannot help (contract row 6). */
export const vertexSecretMissing = ({ event }: GuardArgs): boolean =>
  !event.observation.runnerSecret.present && event.observation.runnerSecret.vertex === true;

/** A re-creation was decided and its backoff has not elapsed yet. */
export const recreationBackoffPending = ({ context, event }: GuardArgs): boolean => {
  const readyAt = recreationReadyAtMs(context, event.config);
  return readyAt !== undefined && event.observation.nowMs < readyAt;
};

export const runnerSucceeded = (args: GuardArgs, params: RunnerGuardParams): boolean =>
  runnerVerdict(args, params).kind === 'succeeded';

export const runnerFailed = (args: GuardArgs, params: RunnerGuardParams): boolean =>
  runnerVerdict(args, params).kind === 'failed';

export const runnerStarted = (args: GuardArgs, params: RunnerGuardParams): boolean =>
  runnerVerdict(args, params).kind === 'started';

function runnerVanished(args: GuardArgs, params: RunnerGuardParams): boolean {
  return runnerVerdict(args, params).kind === 'vanished';
}

function recreationsLeft({ context, event }: GuardArgs): boolean {
  return (context.runnerRecreations ?? 0) < event.config.maxRunnerRecreations;
}

export const runnerVanishedRecreatable = (args: GuardArgs, params: RunnerGuardParams): boolean =>
  runnerVanished(args, params) && recreationsLeft(args);

export const runnerVanishedLimitReached = (args: GuardArgs, params: RunnerGuardParams): boolean =>
  runnerVanished(args, params) && !recreationsLeft(args);

export const inactivityTimeoutExceeded = ({ context, event }: GuardArgs): boolean => {
  const deadline = inactivityDeadlineMs(context, event.observation);
  return deadline !== undefined && event.observation.nowMs >= deadline;
};

/** The worker reports the outcome of a spec sync for the current generation. */
export const specSyncReported = ({ event }: GuardArgs): boolean =>
  event.observation.specSync !== undefined &&
  event.observation.specSync.generation === event.observation.generation;

/** The spec changed since the runner was created or last synced (contract row 22). */
export const specChanged = ({ context, event }: GuardArgs): boolean =>
  context.observedGeneration !== undefined && context.observedGeneration !== event.observation.generation;

export const stopGraceExpired = ({ context, event }: GuardArgs): boolean => {
  const deadline = stopGraceDeadlineMs(context, event.config);
  return deadline !== undefined && event.observation.nowMs >= deadline;
};

/** All guards, by the name the machine uses. */
export const sessionGuards = {
  stopRequested,
  stopRequestedRunnerGone,
  startRequested,
  runnerGone,
  specInvalid,
  runnerOfEarlierRun,
  runnerOfThisRun,
  runnerSecretMissing,
  vertexSecretMissing,
  recreationBackoffPending,
  runnerSucceeded,
  runnerFailed,
  runnerStarted,
  runnerVanishedRecreatable,
  runnerVanishedLimitReached,
  inactivityTimeoutExceeded,
  specSyncReported,
  specChanged,
  stopGraceExpired,
};
