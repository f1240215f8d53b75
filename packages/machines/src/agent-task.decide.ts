import type { AgentTaskPhase, AgentTaskStatus } from '@ambient-operator/shared';
import { AGENT_TASK_PHASES } from '@ambient-operator/shared';
import type { TaskCommand, TaskContext, TaskObservation, TaskObserveEvent } from './agent-task.machine.js';
import { TASK_COMMAND_TYPES, taskMachine } from './agent-task.machine.js';
import { runToRest } from './machine-run.js';
import { NO_PHASE } from './session-status.js';
import type { StatusPatch } from './status-patch.js';
import { diffTopLevel } from './status-patch.js';

/** A task phase change; counted (ambient_task_phase_transitions_total) only after its status write. */
export interface TaskTransition {
  from: AgentTaskPhase | typeof NO_PHASE;
  to: AgentTaskPhase;
  reason: string;
}

export interface TaskDecision {
  nextPhase: AgentTaskPhase;
  /** Merge patch for `/status`; `{}` when nothing changed. */
  statusPatch: StatusPatch<AgentTaskStatus>;
  /** Run before the status write, idempotently (AlreadyExists is success). */
  commands: TaskCommand[];
  transitions: TaskTransition[];
}

export const TERMINAL_TASK_PHASES = [
  'Succeeded',
  'Failed',
  'Timeout',
] as const satisfies readonly AgentTaskPhase[];

export function isTerminalTaskPhase(phase: string | undefined): boolean {
  return (TERMINAL_TASK_PHASES as readonly string[]).includes(phase ?? '');
}

function isTaskPhase(value: unknown): value is AgentTaskPhase {
  return typeof value === 'string' && (AGENT_TASK_PHASES as readonly string[]).includes(value);
}

/** Rehydrates the task machine from a stored status (no or unknown phase = a new task). */
export function taskSnapshotFromStatus(status: AgentTaskStatus | undefined) {
  const { phase, ...context } = status ?? {};
  return taskMachine.resolveState({
    value: isTaskPhase(phase) ? phase : 'New',
    context: context as TaskContext,
  });
}

/**
 * The AgentTask phase model as one pure function: stored status + observation → next phase, status
 * patch, commands and transitions. No wake-up: every change a task waits for (its Job running, ending,
 * or passing its deadline) is an event of the Job the watcher sees.
 */
export function decideTask(input: {
  status: AgentTaskStatus | undefined;
  observation: TaskObservation;
}): TaskDecision {
  const event: TaskObserveEvent = { type: 'OBSERVE', observation: input.observation };
  const run = runToRest(taskMachine, taskSnapshotFromStatus(input.status), event, TASK_COMMAND_TYPES, 4);
  const nextPhase = String(run.snapshot.value);
  if (!isTaskPhase(nextPhase)) throw new Error(`task machine stayed in ${nextPhase}`);
  const next: AgentTaskStatus = {
    ...(run.snapshot.context as TaskContext),
    phase: nextPhase,
    ...(input.observation.generation !== undefined
      ? { observedGeneration: input.observation.generation }
      : {}),
  };
  return {
    nextPhase,
    statusPatch: diffTopLevel(input.status, next) as StatusPatch<typeof next>,
    commands: run.commands as TaskCommand[],
    transitions: run.transitions.map((t) => ({
      from: t.from === 'New' ? NO_PHASE : (t.from as AgentTaskPhase),
      to: t.to as AgentTaskPhase,
      reason: t.reason,
    })),
  };
}
