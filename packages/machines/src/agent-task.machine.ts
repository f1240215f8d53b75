import type { AgentTaskPhase, AgentTaskStatus } from '@ambient-operator/shared';
import { assign, setup } from 'xstate';
import { setCondition } from './conditions.js';
import { parseTaskOutput } from './task-output.js';
import { toTimestamp } from './time.js';

/**
 * The AgentTask phase model: Pending → Running → Succeeded | Failed | Timeout. Running means the
 * task's Job exists; its end decides the phase (exit 0 → Succeeded, non-zero → Failed, the Job's
 * activeDeadlineSeconds passed → Timeout). Pure, like the session machine: one OBSERVE event, guarded
 * alternatives tried in order, status shaped by assigns, commands returned as named empty actions.
 */

/** How a task's Job stands, as the worker read it (Job conditions and the pod's container state). */
export interface TaskJobObservation {
  name: string;
  outcome: 'running' | 'succeeded' | 'failed' | 'deadlineExceeded';
  /** The task container's terminated state, when it has ended. */
  container?: { exitCode: number; reason?: string; terminationMessage?: string };
  /** The Job's failure message (e.g. its DeadlineExceeded condition), when it failed. */
  message?: string;
}

export interface TaskObservation {
  /** ms since the epoch; the only clock the machine knows. */
  nowMs: number;
  generation?: number;
  /** The name the task's Job has (`<task>-task`). */
  jobName: string;
  /** Why the task is not accepted here at all (e.g. outside TASK_NAMESPACE): a condition, no Job. */
  refusal?: { reason: string; message: string };
  /** Why the task can never run (an invalid name or spec): it fails. */
  invalid?: { reason: string; message: string };
  /** The task's Job; undefined when there is none. */
  job: TaskJobObservation | undefined;
}

/** Create the task's Job (batch/v1, `<task>-task`) from the task's spec. */
export type TaskCommand = { type: 'createTaskJob'; jobName: string };
export const TASK_COMMAND_TYPES = ['createTaskJob'] as const satisfies readonly TaskCommand['type'][];

export type TaskContext = Omit<AgentTaskStatus, 'phase'>;
export interface TaskObserveEvent {
  type: 'OBSERVE';
  observation: TaskObservation;
}

/** The condition types a task's status can carry (bounded). */
export const TASK_CONDITION_TYPES = ['Accepted', 'Output'] as const;
type TaskConditionType = (typeof TASK_CONDITION_TYPES)[number];

type Args = { context: TaskContext; event: TaskObserveEvent };
const obs = ({ event }: Args) => event.observation;

export const taskGuards = {
  refused: (args: Args) => obs(args).refusal !== undefined,
  invalid: (args: Args) => obs(args).invalid !== undefined,
  jobExists: (args: Args) => obs(args).job !== undefined,
  jobGone: (args: Args) => obs(args).job === undefined,
  jobDeadlineExceeded: (args: Args) => obs(args).job?.outcome === 'deadlineExceeded',
  jobSucceeded: (args: Args) => obs(args).job?.outcome === 'succeeded',
  jobFailed: (args: Args) => obs(args).job?.outcome === 'failed',
};

function condition(
  context: TaskContext,
  type: TaskConditionType,
  status: 'True' | 'False',
  reason: string,
  message: string | undefined,
  nowMs: number,
) {
  return setCondition(context.conditions, { type, status, reason, ...(message ? { message } : {}) }, nowMs);
}

/** The end of a run: times, the output (or the condition saying why there is none) and a message. */
function finish(context: TaskContext, observation: TaskObservation, phase: AgentTaskPhase): TaskContext {
  const job = observation.job;
  const parsed = parseTaskOutput(job?.container?.terminationMessage);
  const exit = job?.container?.exitCode;
  const message =
    phase === 'Timeout'
      ? (job?.message ?? 'the Job exceeded its activeDeadlineSeconds')
      : phase === 'Succeeded'
        ? 'the task container exited 0'
        : job === undefined
          ? 'the task Job was deleted before it finished'
          : exit !== undefined
            ? `the task container exited ${exit}${job.container?.reason ? ` (${job.container.reason})` : ''}`
            : (job.message ?? 'the task Job failed');
  const { output: _old, ...rest } = context;
  return {
    ...rest,
    ...(parsed.ok ? { output: parsed.output } : {}),
    completionTime: toTimestamp(observation.nowMs),
    message,
    conditions: parsed.ok
      ? condition(context, 'Output', 'True', 'OutputParsed', undefined, observation.nowMs)
      : condition(context, 'Output', 'False', parsed.reason, parsed.message, observation.nowMs),
  };
}

export const taskMachine = setup({
  types: { context: {} as TaskContext, events: {} as TaskObserveEvent, input: {} as TaskContext },
  guards: taskGuards,
  actions: {
    phaseChanged: (_: unknown, _params: { reason: string }) => {},
    reevaluate: () => {},
    createTaskJob: (_: unknown, _params: { jobName: string }) => {},
    markRefused: assign(({ context, event }) => {
      const refusal = event.observation.refusal;
      return {
        message: refusal?.message,
        conditions: condition(
          context,
          'Accepted',
          'False',
          refusal?.reason ?? 'Refused',
          refusal?.message,
          event.observation.nowMs,
        ),
      };
    }),
    markInvalid: assign(({ context, event }) => {
      const invalid = event.observation.invalid;
      return {
        message: invalid?.message,
        completionTime: toTimestamp(event.observation.nowMs),
        conditions: condition(
          context,
          'Accepted',
          'False',
          invalid?.reason ?? 'Invalid',
          invalid?.message,
          event.observation.nowMs,
        ),
      };
    }),
    markJobCreated: assign(({ context, event }, params: { jobName: string }) => ({
      jobName: params.jobName,
      startTime: context.startTime ?? toTimestamp(event.observation.nowMs),
      message: `Job ${params.jobName} created`,
      conditions: condition(context, 'Accepted', 'True', 'JobCreated', undefined, event.observation.nowMs),
    })),
    markFinished: assign(({ context, event }, params: { phase: AgentTaskPhase }) =>
      finish(context, event.observation, params.phase),
    ),
  },
}).createMachine({
  id: 'agentTask',
  initial: 'New',
  context: ({ input }) => input,
  states: {
    New: {
      on: {
        OBSERVE: [
          {
            target: 'Pending',
            description: 'new task',
            actions: [{ type: 'phaseChanged', params: { reason: 'TaskCreated' } }, 'reevaluate'],
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
                params: ({ event }) => ({ reason: event.observation.invalid?.reason ?? 'Invalid' }),
              },
              'markInvalid',
            ],
          },
          { guard: 'refused', actions: ['markRefused'] },
          {
            guard: 'jobExists',
            target: 'Running',
            actions: [
              { type: 'phaseChanged', params: { reason: 'JobExists' } },
              { type: 'markJobCreated', params: ({ event }) => ({ jobName: event.observation.jobName }) },
              'reevaluate',
            ],
          },
          {
            target: 'Running',
            description: 'create Job',
            actions: [
              { type: 'phaseChanged', params: { reason: 'JobCreated' } },
              { type: 'createTaskJob', params: ({ event }) => ({ jobName: event.observation.jobName }) },
              { type: 'markJobCreated', params: ({ event }) => ({ jobName: event.observation.jobName }) },
            ],
          },
        ],
      },
    },
    Running: {
      on: {
        OBSERVE: [
          {
            guard: 'jobDeadlineExceeded',
            target: 'Timeout',
            actions: [
              { type: 'phaseChanged', params: { reason: 'DeadlineExceeded' } },
              { type: 'markFinished', params: { phase: 'Timeout' } },
            ],
          },
          {
            guard: 'jobSucceeded',
            target: 'Succeeded',
            actions: [
              { type: 'phaseChanged', params: { reason: 'Completed' } },
              { type: 'markFinished', params: { phase: 'Succeeded' } },
            ],
          },
          {
            guard: 'jobFailed',
            target: 'Failed',
            actions: [
              { type: 'phaseChanged', params: { reason: 'Error' } },
              { type: 'markFinished', params: { phase: 'Failed' } },
            ],
          },
          {
            guard: 'jobGone',
            target: 'Failed',
            actions: [
              { type: 'phaseChanged', params: { reason: 'JobDeleted' } },
              { type: 'markFinished', params: { phase: 'Failed' } },
            ],
          },
        ],
      },
    },
    Succeeded: {},
    Failed: {},
    Timeout: {},
  },
});
