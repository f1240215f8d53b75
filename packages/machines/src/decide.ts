import { transition } from 'xstate';
import type { MachineConfig } from './machine-config.js';
import type { SessionCommand } from './session.commands.js';
import { isSessionCommandType } from './session.commands.js';
import type { ObserveEvent, SessionContext } from './session.context.js';
import { contextFromStatus } from './session.context.js';
import { nextWakeAtMs } from './session-deadlines.js';
import { sessionMachine } from './session.machine.js';
import type { SessionObservation } from './session-observation.js';
import type {
  PhaseHistoryEntry,
  SessionPhase,
  SessionStatus,
  SessionStatusPatch,
  TransitionSource,
} from './session-status.js';
import { isSessionPhase, NO_PHASE, PHASE_HISTORY_LIMIT } from './session-status.js';
import { diffStatus } from './status-patch.js';
import { toTimestamp } from './time.js';

export interface DecideInput {
  /** `status` of the AgenticSession as read; undefined (or without phase) for a new session. */
  status: SessionStatus | undefined;
  observation: SessionObservation;
  config: MachineConfig;
}

/** One phase change. Count metrics for these only after the status write succeeded. */
export interface PhaseTransition {
  from: TransitionSource;
  to: SessionPhase;
  /** Why, in the vocabulary of the Ready condition reasons (e.g. `RunnerJobCreated`, `OOMKilled`). */
  reason: string;
}

export interface Decision {
  /** The phase the session is in after this reconcile. */
  nextPhase: SessionPhase;
  /** Merge patch for `/status`; `{}` when nothing changed (then skip the write). */
  statusPatch: SessionStatusPatch;
  /** In order; the worker executes each idempotently, before writing status. */
  commands: SessionCommand[];
  transitions: PhaseTransition[];
  /** Reconcile again at this time (ms since the epoch) unless an event comes first; always > nowMs. */
  wakeAtMs?: number;
}

/** Chained steps in one reconcile are few (e.g. Stopping → Stopped → Pending → Creating); more means a bug. */
export const MAX_STEPS_PER_DECISION = 8;

type MachineStateName = 'New' | SessionPhase;
type MachineSnapshot = ReturnType<typeof sessionMachine.resolveState>;

/**
 * Rehydrates the machine from a stored status; a missing or unknown phase is a new session. So is
 * `Pending` without a startTime: the CRD defaults `status.phase` to Pending as soon as anyone writes a
 * status (the backend's lastActivityTime can come first), and every run the machine starts has a startTime.
 */
export function snapshotFromStatus(status: SessionStatus | undefined): MachineSnapshot {
  const stored = isSessionPhase(status?.phase) ? status.phase : undefined;
  const phase = stored === 'Pending' && status?.startTime === undefined ? undefined : stored;
  return sessionMachine.resolveState({ value: phase ?? 'New', context: contextFromStatus(status) });
}

/**
 * The whole phase model as one pure function: stored status + observation → next phase, status
 * patch, commands, transitions and the next wake-up. No clock, no I/O; the same input always gives
 * the same output.
 */
export function decide({ status, observation, config }: DecideInput): Decision {
  const event: ObserveEvent = { type: 'OBSERVE', observation, config };
  const at = toTimestamp(observation.nowMs);
  let snapshot = snapshotFromStatus(status);
  const commands: SessionCommand[] = [];
  const transitions: PhaseTransition[] = [];

  for (let step = 1; ; step++) {
    if (step > MAX_STEPS_PER_DECISION) {
      throw new Error(
        `session machine did not settle within ${MAX_STEPS_PER_DECISION} steps: ${describe(transitions)}`,
      );
    }
    const from = snapshot.value as MachineStateName;
    const [next, actions] = transition(sessionMachine, snapshot, event);
    let reason: string | undefined;
    let reevaluate = false;
    for (const action of actions) {
      const params = (action.params ?? {}) as Record<string, unknown>;
      if (action.type === 'phaseChanged') reason = String(params.reason);
      else if (action.type === 'reevaluate') reevaluate = true;
      else if (isSessionCommandType(action.type))
        commands.push({ type: action.type, ...params } as SessionCommand);
      else throw new Error(`session machine returned an unknown action ${action.type}`);
    }
    const to = next.value as MachineStateName;
    if (to === from) {
      snapshot = next;
      break;
    }
    if (to === 'New' || reason === undefined) {
      throw new Error(`session machine transition ${from} → ${to} lacks a phaseChanged reason`);
    }
    const source: TransitionSource = from === 'New' ? NO_PHASE : from;
    transitions.push({ from: source, to, reason });
    const entry: PhaseHistoryEntry = { ...(from === 'New' ? {} : { from }), to, at, reason };
    const context: SessionContext = {
      ...next.context,
      phaseTransitionTime: at,
      phaseHistory: [...(next.context.phaseHistory ?? []), entry].slice(-PHASE_HISTORY_LIMIT),
    };
    snapshot = sessionMachine.resolveState({ value: to, context });
    if (!reevaluate) break;
  }

  const nextPhase = snapshot.value as MachineStateName;
  if (nextPhase === 'New') throw new Error('session machine stayed in New');
  const finalContext: SessionContext = {
    ...snapshot.context,
    // A status written before phaseTransitionTime existed gets a clock for its current phase now.
    phaseTransitionTime: snapshot.context.phaseTransitionTime ?? at,
  };
  const wakeAtMs = nextWakeAtMs(nextPhase, finalContext, observation, config);
  return {
    nextPhase,
    statusPatch: diffStatus(status, { ...finalContext, phase: nextPhase }),
    commands: normalizeCommands(commands),
    transitions,
    ...(wakeAtMs !== undefined ? { wakeAtMs } : {}),
  };
}

/**
 * Chained steps may ask for the same thing twice: keep the first of identical commands, merge all
 * clearAnnotations into the first one, and let a forced deleteRunner win over a graceful one.
 */
function normalizeCommands(commands: SessionCommand[]): SessionCommand[] {
  const result: SessionCommand[] = [];
  const seen = new Set<string>();
  for (const command of commands) {
    if (command.type === 'clearAnnotations') {
      const existing = result.find((c) => c.type === 'clearAnnotations');
      if (existing !== undefined) {
        for (const key of command.keys) if (!existing.keys.includes(key)) existing.keys.push(key);
        continue;
      }
      result.push({ type: 'clearAnnotations', keys: [...command.keys] });
      continue;
    }
    if (command.type === 'deleteRunner') {
      const index = result.findIndex((c) => c.type === 'deleteRunner');
      const existing = result[index];
      if (existing !== undefined && existing.type === 'deleteRunner') {
        const grace = [existing.gracePeriodSeconds, command.gracePeriodSeconds].filter(
          (g): g is number => g !== undefined,
        );
        if (grace.length > 0)
          result[index] = { type: 'deleteRunner', gracePeriodSeconds: Math.min(...grace) };
        continue;
      }
    }
    const key = JSON.stringify(command);
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(command);
  }
  return result;
}

function describe(transitions: PhaseTransition[]): string {
  return transitions.map((t) => `${t.from}→${t.to} (${t.reason})`).join(', ');
}
