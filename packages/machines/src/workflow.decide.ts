import type { WorkflowPhase, WorkflowStatus } from '@ambient-operator/shared';
import { WORKFLOW_MAX_STEPS, WORKFLOW_PHASES } from '@ambient-operator/shared';
import { runToRest } from './machine-run.js';
import { NO_PHASE } from './session-status.js';
import type { StatusPatch } from './status-patch.js';
import { diffTopLevel } from './status-patch.js';
import type {
  WorkflowCommand,
  WorkflowContext,
  WorkflowObservation,
  WorkflowObserveEvent,
} from './workflow.machine.js';
import { WORKFLOW_COMMAND_TYPES, workflowMachine } from './workflow.machine.js';

/** A workflow phase change; counted (ambient_workflow_phase_transitions_total) only after its status write. */
export interface WorkflowTransition {
  from: WorkflowPhase | typeof NO_PHASE;
  to: WorkflowPhase;
  reason: string;
}

export interface WorkflowDecision {
  nextPhase: WorkflowPhase;
  statusPatch: StatusPatch<WorkflowStatus>;
  /** Run before the status write, idempotently (AlreadyExists is success: the name is deterministic). */
  commands: WorkflowCommand[];
  transitions: WorkflowTransition[];
}

export const TERMINAL_WORKFLOW_PHASES = ['Succeeded', 'Failed'] as const satisfies readonly WorkflowPhase[];

function isWorkflowPhase(value: unknown): value is WorkflowPhase {
  return typeof value === 'string' && (WORKFLOW_PHASES as readonly string[]).includes(value);
}

export function workflowSnapshotFromStatus(status: WorkflowStatus | undefined) {
  const { phase, ...context } = status ?? {};
  return workflowMachine.resolveState({
    value: isWorkflowPhase(phase) ? phase : 'New',
    context: context as WorkflowContext,
  });
}

/**
 * The Workflow phase model as one pure function. Settling may walk every step once (a redelivered key
 * that finds several finished tasks), plus New → Pending → Running: at most WORKFLOW_MAX_STEPS + 3 steps.
 * No wake-up: the workflow waits only for its tasks, whose status changes the watcher sees.
 */
export function decideWorkflow(input: {
  status: WorkflowStatus | undefined;
  observation: WorkflowObservation;
}): WorkflowDecision {
  const event: WorkflowObserveEvent = { type: 'OBSERVE', observation: input.observation };
  const run = runToRest(
    workflowMachine,
    workflowSnapshotFromStatus(input.status),
    event,
    WORKFLOW_COMMAND_TYPES,
    WORKFLOW_MAX_STEPS + 3,
  );
  const nextPhase = String(run.snapshot.value);
  if (!isWorkflowPhase(nextPhase)) throw new Error(`workflow machine stayed in ${nextPhase}`);
  const next: WorkflowStatus = {
    ...(run.snapshot.context as WorkflowContext),
    phase: nextPhase,
    ...(input.observation.generation !== undefined
      ? { observedGeneration: input.observation.generation }
      : {}),
  };
  return {
    nextPhase,
    statusPatch: diffTopLevel(input.status, next) as StatusPatch<typeof next>,
    commands: run.commands as WorkflowCommand[],
    transitions: run.transitions.map((t) => ({
      from: t.from === 'New' ? NO_PHASE : (t.from as WorkflowPhase),
      to: t.to as WorkflowPhase,
      reason: t.reason,
    })),
  };
}
