import type {
  AgentTaskPhase,
  AgentTaskSpec,
  WorkflowStatus,
  WorkflowStep,
  WorkflowStepStatus,
} from '@ambient-operator/shared';
import { assign, setup } from 'xstate';
import { setCondition } from './conditions.js';
import { substituteStepOutputs, type SubstitutionResult } from './step-references.js';
import { toTimestamp } from './time.js';

/**
 * The Workflow phase model: Pending → Running → Succeeded | Failed. Running walks the steps: it creates
 * the current step's task (its references substituted from earlier outputs), waits for it, records its
 * outcome and moves on; the first failed or timed-out step fails the workflow and no later task is
 * created. Advancing to the next step re-evaluates the same observation, so the next task is created in
 * the reconcile that saw the previous one succeed.
 */

/** A step's task as read (listed by the workflow label). */
export interface StepTaskObservation {
  name: string;
  /** Carries this workflow's controller ownerReference (else the name is taken by someone else). */
  ownedByWorkflow: boolean;
  phase?: AgentTaskPhase;
  output?: Record<string, string>;
  startTime?: string;
  completionTime?: string;
  message?: string;
}

export interface WorkflowObservation {
  nowMs: number;
  generation?: number;
  /** The validated steps; undefined when the spec is invalid (see `invalid`). */
  steps: readonly WorkflowStep[] | undefined;
  invalid?: { reason: string; message: string };
  /** The deterministic task name of each step (`<workflow>-<N>`, hashed when long). */
  taskNames: readonly string[];
  /** The existing task of each step, by index. */
  tasks: readonly (StepTaskObservation | undefined)[];
}

/** Create step `index`'s task `taskName` with this (substituted) spec, owned by the workflow. */
export type WorkflowCommand = {
  type: 'createStepTask';
  index: number;
  taskName: string;
  spec: AgentTaskSpec;
};
export const WORKFLOW_COMMAND_TYPES = [
  'createStepTask',
] as const satisfies readonly WorkflowCommand['type'][];

export type WorkflowContext = Omit<WorkflowStatus, 'phase'>;
export interface WorkflowObserveEvent {
  type: 'OBSERVE';
  observation: WorkflowObservation;
}

type Args = { context: WorkflowContext; event: WorkflowObserveEvent };
const FAILED_STEP_PHASES: readonly string[] = ['Failed', 'Timeout'];

const stepIndex = (context: WorkflowContext) => context.currentStep ?? 0;
const stepCount = ({ event }: Args) => event.observation.steps?.length ?? 0;
const currentTask = ({ context, event }: Args) => event.observation.tasks[stepIndex(context)];

function substitution({ context, event }: Args): SubstitutionResult {
  const index = stepIndex(context);
  const steps = event.observation.steps ?? [];
  const step = steps[index];
  if (step === undefined) return { ok: false, reference: '', message: `the workflow has no step ${index}` };
  return substituteStepOutputs(step.task, {
    stepIndex: index,
    stepCount: steps.length,
    outputs: (context.steps ?? []).map((s) => s.output),
  });
}

export const workflowGuards = {
  invalid: ({ event }: Args) => event.observation.invalid !== undefined,
  stepTaskForeign: (args: Args) => currentTask(args)?.ownedByWorkflow === false,
  lastStepSucceeded: (args: Args) =>
    currentTask(args)?.phase === 'Succeeded' && stepIndex(args.context) >= stepCount(args) - 1,
  stepSucceeded: (args: Args) => currentTask(args)?.phase === 'Succeeded',
  stepFailed: (args: Args) => FAILED_STEP_PHASES.includes(currentTask(args)?.phase ?? ''),
  stepTaskMissingBadReference: (args: Args) => currentTask(args) === undefined && !substitution(args).ok,
  stepTaskMissing: (args: Args) => currentTask(args) === undefined,
};

/** `steps[index]` of the status replaced by `update` merged into it. */
function withStep(
  context: WorkflowContext,
  index: number,
  update: Partial<WorkflowStepStatus>,
): WorkflowStepStatus[] {
  const steps = [...(context.steps ?? [])];
  const previous = steps[index] ?? { name: update.name ?? '' };
  steps[index] = { ...previous, ...update };
  return steps;
}

/** The step's status from its task as read. */
function stepFromTask(args: Args): Partial<WorkflowStepStatus> {
  const task = currentTask(args);
  if (task === undefined) return {};
  return {
    taskName: task.name,
    ...(task.phase !== undefined ? { phase: task.phase } : {}),
    ...(task.output !== undefined ? { output: task.output } : {}),
    ...(task.startTime !== undefined ? { startTime: task.startTime } : {}),
    ...(task.completionTime !== undefined ? { completionTime: task.completionTime } : {}),
    ...(task.message !== undefined ? { message: task.message } : {}),
  };
}

function failedCondition(context: WorkflowContext, reason: string, message: string, nowMs: number) {
  return setCondition(context.conditions, { type: 'Succeeded', status: 'False', reason, message }, nowMs);
}

export const workflowMachine = setup({
  types: { context: {} as WorkflowContext, events: {} as WorkflowObserveEvent, input: {} as WorkflowContext },
  guards: workflowGuards,
  actions: {
    phaseChanged: (_: unknown, _params: { reason: string }) => {},
    reevaluate: () => {},
    createStepTask: (_: unknown, _params: Omit<WorkflowCommand, 'type'>) => {},
    start: assign(({ event }) => ({
      currentStep: 0,
      steps: (event.observation.steps ?? []).map((s) => ({ name: s.name })),
      message: 'running step 0',
    })),
    markInvalid: assign(({ context, event }) => {
      const invalid = event.observation.invalid ?? { reason: 'InvalidSpec', message: 'invalid spec' };
      return {
        message: invalid.message,
        conditions: failedCondition(context, invalid.reason, invalid.message, event.observation.nowMs),
      };
    }),
    recordStep: assign(({ context, event }) => ({
      steps: withStep(context, stepIndex(context), stepFromTask({ context, event })),
    })),
    advance: assign(({ context }) => ({
      currentStep: stepIndex(context) + 1,
      message: `running step ${stepIndex(context) + 1}`,
    })),
    markSucceeded: assign(({ context, event }) => ({
      message: `all ${stepCount({ context, event })} steps succeeded`,
      conditions: setCondition(
        context.conditions,
        { type: 'Succeeded', status: 'True', reason: 'AllStepsSucceeded' },
        event.observation.nowMs,
      ),
    })),
    markStepFailed: assign(({ context, event }) => {
      const index = stepIndex(context);
      const task = currentTask({ context, event });
      const message = `step ${index} (${context.steps?.[index]?.name ?? ''}) ended ${task?.phase ?? 'Failed'}${task?.message ? `: ${task.message}` : ''}`;
      return {
        message,
        conditions: failedCondition(context, 'StepFailed', message, event.observation.nowMs),
      };
    }),
    markTaskForeign: assign(({ context, event }) => {
      const message = `AgentTask ${currentTask({ context, event })?.name ?? ''} exists and is not owned by this workflow`;
      return {
        message,
        conditions: failedCondition(context, 'TaskNameTaken', message, event.observation.nowMs),
      };
    }),
    markBadReference: assign(({ context, event }) => {
      const result = substitution({ context, event });
      const message = result.ok ? '' : result.message;
      const index = stepIndex(context);
      return {
        message,
        steps: withStep(context, index, { phase: 'Failed', message }),
        conditions: failedCondition(context, 'BadReference', message, event.observation.nowMs),
      };
    }),
    markStepCreated: assign(({ context, event }) => {
      const index = stepIndex(context);
      return {
        steps: withStep(context, index, {
          taskName: event.observation.taskNames[index] ?? '',
          phase: 'Pending',
          startTime: toTimestamp(event.observation.nowMs),
        }),
      };
    }),
  },
}).createMachine({
  id: 'workflow',
  initial: 'New',
  context: ({ input }) => input,
  states: {
    New: {
      on: {
        OBSERVE: [
          {
            target: 'Pending',
            description: 'new workflow',
            actions: [{ type: 'phaseChanged', params: { reason: 'WorkflowCreated' } }, 'reevaluate'],
          },
        ],
      },
    },
    Pending: {
      on: {
        OBSERVE: [
          {
            guard: 'invalid',
            target: 'Failed',
            actions: [
              {
                type: 'phaseChanged',
                params: ({ event }) => ({ reason: event.observation.invalid?.reason ?? 'InvalidSpec' }),
              },
              'markInvalid',
            ],
          },
          {
            target: 'Running',
            description: 'start',
            actions: [{ type: 'phaseChanged', params: { reason: 'Started' } }, 'start', 'reevaluate'],
          },
        ],
      },
    },
    Running: {
      on: {
        OBSERVE: [
          {
            guard: 'stepTaskForeign',
            target: 'Failed',
            actions: [{ type: 'phaseChanged', params: { reason: 'TaskNameTaken' } }, 'markTaskForeign'],
          },
          {
            guard: 'lastStepSucceeded',
            target: 'Succeeded',
            actions: [
              { type: 'phaseChanged', params: { reason: 'AllStepsSucceeded' } },
              'recordStep',
              'markSucceeded',
            ],
          },
          { guard: 'stepSucceeded', actions: ['recordStep', 'advance', 'reevaluate'] },
          {
            guard: 'stepFailed',
            target: 'Failed',
            actions: [
              { type: 'phaseChanged', params: { reason: 'StepFailed' } },
              'recordStep',
              'markStepFailed',
            ],
          },
          {
            guard: 'stepTaskMissingBadReference',
            target: 'Failed',
            actions: [{ type: 'phaseChanged', params: { reason: 'BadReference' } }, 'markBadReference'],
          },
          {
            guard: 'stepTaskMissing',
            actions: [
              {
                type: 'createStepTask',
                params: (args) => {
                  const index = stepIndex(args.context);
                  const result = substitution(args);
                  return {
                    index,
                    taskName: args.event.observation.taskNames[index] ?? '',
                    spec: result.ok ? result.spec : { timeoutSeconds: 1 },
                  };
                },
              },
              'markStepCreated',
            ],
          },
          { actions: ['recordStep'] },
        ],
      },
    },
    Succeeded: {},
    Failed: {},
  },
});
