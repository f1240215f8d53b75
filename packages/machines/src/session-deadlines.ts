import { findCondition } from './conditions.js';
import type { MachineConfig } from './machine-config.js';
import type { SessionContext } from './session.context.js';
import type { SessionObservation } from './session-observation.js';
import type { SessionPhase } from './session-status.js';
import { nextBackoffCheckpoint, parseTimestamp } from './time.js';

/**
 * Deadlines are computed in one place for both sides of a timer: a guard fires when
 * `nowMs >= deadline`, and while it has not, the deadline is the wake-up. So a wake-up is never
 * in the past and never later than the transition it waits for.
 */

/** First ms at which the session counts as idle: `now − lastActivity > timeout` (strictly, as upstream). */
export function inactivityDeadlineMs(
  context: SessionContext,
  observation: SessionObservation,
): number | undefined {
  const timeoutSeconds = observation.inactivityTimeoutSeconds;
  if (timeoutSeconds === null || timeoutSeconds <= 0) return undefined;
  const lastActivityMs =
    parseTimestamp(context.lastActivityTime) ??
    parseTimestamp(context.startTime) ??
    parseTimestamp(observation.creationTimestamp);
  if (lastActivityMs === undefined) return undefined;
  return lastActivityMs + timeoutSeconds * 1000 + 1;
}

/** When the token must be re-minted; undefined when the Secret is missing or its refresh time unknown (due now). */
export function tokenRefreshDueAtMs(
  observation: SessionObservation,
  config: MachineConfig,
): number | undefined {
  const { secretPresent, refreshedAtMs } = observation.token;
  if (!secretPresent || refreshedAtMs === undefined) return undefined;
  return refreshedAtMs + config.tokenRefreshIntervalMs;
}

export function isTokenRefreshDue(observation: SessionObservation, config: MachineConfig): boolean {
  const dueAt = tokenRefreshDueAtMs(observation, config);
  return dueAt === undefined || observation.nowMs >= dueAt;
}

/** Delay before re-creation number `n` (1-based): base · 2^(n−1), capped. */
export function recreationDelayMs(n: number, config: MachineConfig): number {
  return Math.min(
    config.runnerRecreationBackoffMs * 2 ** Math.max(0, n - 1),
    config.runnerRecreationBackoffMaxMs,
  );
}

/** When the pending re-creation may create the runner; undefined when none is pending. */
export function recreationReadyAtMs(context: SessionContext, config: MachineConfig): number | undefined {
  const n = context.runnerRecreations ?? 0;
  const decidedAtMs = parseTimestamp(context.lastRunnerRecreationTime);
  if (n === 0 || decidedAtMs === undefined) return undefined;
  return decidedAtMs + recreationDelayMs(n, config);
}

/** When Stopping stops waiting for a graceful exit and force-deletes the runner. */
export function stopGraceDeadlineMs(context: SessionContext, config: MachineConfig): number | undefined {
  const sinceMs = parseTimestamp(context.phaseTransitionTime);
  return sinceMs === undefined ? undefined : sinceMs + config.stopGraceMs;
}

/** Next look for the missing runner secret: exponential from when SecretsReady turned False. */
export function secretRecheckAtMs(
  context: SessionContext,
  observation: SessionObservation,
  config: MachineConfig,
): number | undefined {
  const condition = findCondition(context.conditions, 'SecretsReady');
  if (condition?.status !== 'False' || condition.reason !== 'RunnerSecretMissing') return undefined;
  const sinceMs = parseTimestamp(condition.lastTransitionTime) ?? observation.nowMs;
  return nextBackoffCheckpoint(sinceMs, observation.nowMs, config.secretRetryBaseMs, config.secretRetryMaxMs);
}

/**
 * The earliest future deadline of the phase the reconcile ends in. A deadline that has passed was
 * acted upon in this reconcile (token refreshed, runner force-deleted), so its next one is a full
 * interval from now.
 */
export function nextWakeAtMs(
  phase: SessionPhase,
  context: SessionContext,
  observation: SessionObservation,
  config: MachineConfig,
): number | undefined {
  const now = observation.nowMs;
  const candidates: (number | undefined)[] = [];
  const tokenWake = (): number => {
    const dueAt = tokenRefreshDueAtMs(observation, config);
    return dueAt !== undefined && dueAt > now ? dueAt : now + config.tokenRefreshIntervalMs;
  };
  switch (phase) {
    case 'Pending':
      if (!observation.runnerSecret.present) candidates.push(secretRecheckAtMs(context, observation, config));
      candidates.push(recreationReadyAtMs(context, config));
      break;
    case 'Creating':
      candidates.push(tokenWake());
      break;
    case 'Running': {
      candidates.push(tokenWake(), inactivityDeadlineMs(context, observation));
      const sync = observation.specSync;
      if (
        sync !== undefined &&
        sync.generation === observation.generation &&
        !(sync.repos.ok && sync.workflow.ok)
      ) {
        candidates.push(now + config.specSyncRetryMs);
      }
      break;
    }
    case 'Stopping': {
      const deadline = stopGraceDeadlineMs(context, config);
      candidates.push(deadline !== undefined && deadline > now ? deadline : now + config.stopGraceMs);
      break;
    }
    case 'Stopped':
    case 'Completed':
    case 'Failed':
      break;
  }
  const future = candidates.filter((t): t is number => t !== undefined && t > now);
  return future.length === 0 ? undefined : Math.min(...future);
}
