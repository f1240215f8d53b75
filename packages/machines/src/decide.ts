import { transition } from 'xstate';
import type { MachineConfig } from './machine-config.js';
import type { SessionCommand } from './session.commands.js';
import { COMMAND_TIMING, isSessionCommandType } from './session.commands.js';
import type { ObserveEvent, SessionContext } from './session.context.js';
import { contextFromStatus } from './session.context.js';
import { nextWakeAtMs } from './session-deadlines.js';
import { sessionMachine } from './session.machine.js';
import type { SessionObservation, SpecSyncResult } from './session-observation.js';
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

/**
 * What an executed command learned that the machine must judge in the same reconcile (e.g. the runner accepted or
 * refused a spec sync). The worker feeds it back into `decide`, which applies it after the observation.
 */
export type SessionFollowUp = { type: 'SPEC_SYNCED'; result: SpecSyncResult };

export interface DecideInput {
  /** `status` of the AgenticSession as read; undefined (or without phase) for a new session. */
  status: SessionStatus | undefined;
  observation: SessionObservation;
  config: MachineConfig;
  /** Follow-up events of commands already executed in this reconcile, in order. @defaultValue [] */
  followUps?: readonly SessionFollowUp[];
}

/** One phase change. Count metrics for these only after the status write succeeded. */
export interface PhaseTransition {
  from: TransitionSource;
  to: SessionPhase;
  /** Why, in the vocabulary of the Ready condition reasons (e.g. `RunnerJobCreated`, `OOMKilled`). */
  reason: string;
}

/**
 * The plan of one reconcile: what to do before the status write, the status to write, what to do once it is
 * written, which transitions the write makes true, and when to look again.
 */
export interface Decision {
  /** The phase the session is in after this reconcile. */
  nextPhase: SessionPhase;
  /** Merge patch for `/status`; `{}` when nothing changed (then skip the write). */
  statusPatch: SessionStatusPatch;
  /** Every command, in order (= beforeStatusWrite then afterStatusWrite). */
  commands: SessionCommand[];
  /** Executed idempotently, in order, before the status write; a command may return a {@link SessionFollowUp}. */
  beforeStatusWrite: SessionCommand[];
  /**
   * Executed only once the status is written: consuming a one-shot request (an annotation) before the status
   * acting on it is stored would lose the request if that write fails.
   */
  afterStatusWrite: SessionCommand[];
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
export function decide({ status, observation, config, followUps = [] }: DecideInput): Decision {
  const at = toTimestamp(observation.nowMs);
  const commands: SessionCommand[] = [];
  const transitions: PhaseTransition[] = [];
  let seen = observation;
  let snapshot = settle(snapshotFromStatus(status), seen, config, at, commands, transitions);
  // A follow-up is what the observation now includes; the machine judges it from where it settled.
  for (const followUp of followUps) {
    seen = { ...seen, specSync: followUp.result };
    snapshot = settle(snapshot, seen, config, at, commands, transitions);
  }

  const nextPhase = snapshot.value as MachineStateName;
  if (nextPhase === 'New') throw new Error('session machine stayed in New');
  const finalContext: SessionContext = {
    ...snapshot.context,
    // A status written before phaseTransitionTime existed gets a clock for its current phase now.
    phaseTransitionTime: snapshot.context.phaseTransitionTime ?? at,
  };
  const wakeAtMs = nextWakeAtMs(nextPhase, finalContext, seen, config);
  const all = normalizeCommands(commands);
  return {
    nextPhase,
    statusPatch: diffStatus(status, { ...finalContext, phase: nextPhase }),
    commands: all,
    beforeStatusWrite: all.filter((c) => COMMAND_TIMING[c.type] === 'beforeStatusWrite'),
    afterStatusWrite: all.filter((c) => COMMAND_TIMING[c.type] === 'afterStatusWrite'),
    transitions,
    ...(wakeAtMs !== undefined ? { wakeAtMs } : {}),
  };
}

/**
 * Sends OBSERVE and follows the chain of phase changes that ask for the same observation to be judged again
 * (`reevaluate`), collecting commands and transitions; stamps each phase change into the context's history.
 *
 * Why not XState's own chaining (checked with xstate 5.33.3): `transition()` does settle `always` transitions and
 * re-raised events (`raise(({ event }) => event)`) itself, and `getMicrosteps()` returns each step's actions, so the
 * chain could be the machine's. But (1) it has no bound: two states whose eventless transitions lead to each other
 * made `transition()` spin forever without an error, where this loop throws after MAX_STEPS_PER_DECISION and the
 * reconcile fails with a message; (2) the history stamp between steps (phaseTransitionTime, the phaseHistory entry
 * with the step's reason and the observation's clock) would have to become `assign` actions inside every
 * transition, and assigns are not returned, so the transitions and their reasons would be read back out of the
 * context. The hand-written loop is kept for (1); the scheduler machines share it as machine-run.ts's runToRest.
 */
function settle(
  start: MachineSnapshot,
  observation: SessionObservation,
  config: MachineConfig,
  at: string,
  commands: SessionCommand[],
  transitions: PhaseTransition[],
): MachineSnapshot {
  const event: ObserveEvent = { type: 'OBSERVE', observation, config };
  let snapshot = start;
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
    if (to === from) return next;
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
    if (!reevaluate) return snapshot;
  }
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
