import { SESSION_ANNOTATIONS } from './annotations.js';
import type { SessionCommand } from './session.commands.js';
import type { ObserveEvent, SessionContext } from './session.context.js';
import { isTokenRefreshDue } from './session-deadlines.js';

/**
 * Which commands a transition issues, as pure functions of what was observed. The machine enqueues
 * them as its named command actions, so they come back from `transition()` as data.
 */

function clearAnnotations(keys: (string | false)[]): SessionCommand[] {
  const present = keys.filter((k): k is string => k !== false);
  return present.length === 0 ? [] : [{ type: 'clearAnnotations', keys: present }];
}

/** Keep the runner's ServiceAccount token usable: provision it when missing, re-mint it when due. */
export function tokenCommands(event: ObserveEvent): SessionCommand[] {
  if (!event.observation.token.secretPresent) return [{ type: 'ensureRunnerToken' }];
  return isTokenRefreshDue(event.observation, event.config) ? [{ type: 'refreshRunnerToken' }] : [];
}

/**
 * Pending → Creating (contract row 3). IS_RESUME is set when an earlier runner of this session
 * existed (observedGeneration is written when a runner is created) and no forced prompt is asked
 * for; unlike upstream, a first start that merely retried in Pending is not a resume.
 */
export function runnerCreationCommands(context: SessionContext, event: ObserveEvent): SessionCommand[] {
  const { annotations } = event.observation;
  return [
    ...tokenCommands(event),
    { type: 'copyPlatformSecrets' },
    { type: 'ensureNetworkPolicy' },
    {
      type: 'createRunnerJob',
      isResume: context.observedGeneration !== undefined && annotations.forceExecutePrompt !== true,
      runStartTime: context.startTime ?? '',
    },
    { type: 'ensureService' },
    ...consumedStartAnnotations(event),
  ];
}

/** Pending → Creating with the Job already there (row 4): unlike upstream, make sure the Service exists. */
export function runnerAdoptionCommands(event: ObserveEvent): SessionCommand[] {
  return [{ type: 'ensureService' }, ...consumedStartAnnotations(event)];
}

/** desired-phase and force-execute-prompt are consumed once the runner exists. */
function consumedStartAnnotations(event: ObserveEvent): SessionCommand[] {
  const { annotations } = event.observation;
  return clearAnnotations([
    annotations.desiredPhase !== undefined && SESSION_ANNOTATIONS.desiredPhase,
    annotations.forceExecutePrompt !== undefined && SESSION_ANNOTATIONS.forceExecutePrompt,
  ]);
}

/** A desired-phase that was acted upon (a restart, or a start that ends in Failed) must not fire again. */
export function consumedDesiredPhaseCommands(event: ObserveEvent): SessionCommand[] {
  return clearAnnotations([
    event.observation.annotations.desiredPhase !== undefined && SESSION_ANNOTATIONS.desiredPhase,
  ]);
}

/**
 * desired-phase=Running on a session that is already Creating/Running is satisfied; left on the
 * CR it would restart the session the moment it completes.
 */
export function satisfiedStartRequestCommands(event: ObserveEvent): SessionCommand[] {
  return clearAnnotations([
    event.observation.annotations.desiredPhase === 'Running' && SESSION_ANNOTATIONS.desiredPhase,
  ]);
}

/** Delete the runner unless it is gone or already being deleted. */
export function deleteRunnerCommands(event: ObserveEvent): SessionCommand[] {
  const { job, pod } = event.observation.runner;
  const needsDelete = job !== null ? !job.deleting : pod !== null && !pod.deleting;
  return needsDelete ? [{ type: 'deleteRunner' }] : [];
}

export function forceDeleteRunnerCommands(): SessionCommand[] {
  return [{ type: 'deleteRunner', gracePeriodSeconds: 0 }];
}

/** Entering Stopping: the stop request is consumed, the runner and its Service go. */
export function stoppingCommands(event: ObserveEvent): SessionCommand[] {
  return [
    ...deleteRunnerCommands(event),
    { type: 'deleteService' },
    ...clearAnnotations([
      event.observation.annotations.desiredPhase === 'Stopped' && SESSION_ANNOTATIONS.desiredPhase,
    ]),
  ];
}

/** Entering a terminal phase (the cleanup matrix, contract §3.7). */
export function terminalCleanupCommands(event: ObserveEvent): SessionCommand[] {
  return [...deleteRunnerCommands(event), { type: 'deleteService' }, { type: 'deleteCopiedSecrets' }];
}

/**
 * Entering Stopped: the stop annotations are cleared (a desired-phase=Running that arrived meanwhile is kept).
 * From Stopping the Service is gone already: entering Stopping deleted it before its status was written, and
 * nothing creates one after (the worker adopts a Go-operator runner's Service only while the session runs it).
 */
export function stoppedCommands(event: ObserveEvent, serviceDeleted = false): SessionCommand[] {
  const { annotations } = event.observation;
  const cleanup = terminalCleanupCommands(event).filter((c) => !serviceDeleted || c.type !== 'deleteService');
  return [
    ...cleanup,
    ...clearAnnotations([
      annotations.desiredPhase === 'Stopped' && SESSION_ANNOTATIONS.desiredPhase,
      annotations.stopReason !== undefined && SESSION_ANNOTATIONS.stopReason,
      annotations.stopRequestedAt !== undefined && SESSION_ANNOTATIONS.stopRequestedAt,
    ]),
  ];
}

/** Terminal → Pending: desired-phase=Running is consumed and an old stop-reason must not colour the next stop. */
export function restartCommands(event: ObserveEvent): SessionCommand[] {
  const { annotations } = event.observation;
  return clearAnnotations([
    annotations.desiredPhase !== undefined && SESSION_ANNOTATIONS.desiredPhase,
    annotations.stopReason !== undefined && SESSION_ANNOTATIONS.stopReason,
  ]);
}

export function specSyncCommands(event: ObserveEvent): SessionCommand[] {
  return [{ type: 'syncRunnerSpec', generation: event.observation.generation }];
}
