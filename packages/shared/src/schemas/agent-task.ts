import { z } from 'zod';
import { AGENT_TASK_KIND, SCHEDULER_API_VERSION } from '../constants.js';
import { CONDITION_STATUSES } from './agentic-session.js';
import { objectMetaSchema } from './object-meta.js';
import { dateTime, integer, maxItems, validateWith, type ValidationResult } from './validation.js';

/**
 * AgentTask (`scheduler.ambient-code.io/v1alpha1`), exactly as deploy/crds/agenttasks-crd.yaml (the
 * agreement is proven by test/schema-agreement-scheduler.test.ts). The spec is built by a function of
 * the string schema used for the fields a Workflow may substitute into (prompt, args, env values, input
 * values), so the Workflow's copy adds its reference pattern without a second hand-written shape.
 */

export const AGENT_TASK_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Timeout'] as const;
export type AgentTaskPhase = (typeof AGENT_TASK_PHASES)[number];
/** Default of `spec.timeoutSeconds` (the Job's activeDeadlineSeconds). */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 3600;
/** Bounds of the CRD (every list and map is bounded). */
export const TASK_LIMITS = { command: 64, args: 256, env: 128, input: 64, conditions: 8 } as const;

const enumOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of ${values.join(', ')}` });

/** `maxProperties` as the API server reports it (checked even when values are invalid). */
function boundedMap<T extends z.ZodType>(value: T, max: number) {
  return z.record(z.string(), value).check(
    z.refine((map: unknown) => typeof map !== 'object' || map === null || Object.keys(map).length <= max, {
      error: `must have at most ${max} properties`,
      when: () => true,
    }),
  );
}

const quantity = z.union([integer, z.string()], { error: 'expected an integer or a string' });

/** The task spec, with `text` as the schema of the substitutable strings. */
export function agentTaskSpecSchemaWith(text: z.ZodString) {
  return z.strictObject({
    image: z.string().optional(),
    command: maxItems(z.array(z.string()), TASK_LIMITS.command).optional(),
    args: maxItems(z.array(text), TASK_LIMITS.args).optional(),
    env: maxItems(
      z.array(
        z.strictObject({
          name: z.string().min(1, { error: 'expected a non-empty string' }),
          value: text.optional(),
        }),
      ),
      TASK_LIMITS.env,
    ).optional(),
    prompt: text.optional(),
    input: boundedMap(text, TASK_LIMITS.input).optional(),
    timeoutSeconds: integer
      .min(1, { error: 'expected an integer ≥ 1' })
      .default(DEFAULT_TASK_TIMEOUT_SECONDS),
    resources: z
      .strictObject({
        limits: z.record(z.string(), quantity).optional(),
        requests: z.record(z.string(), quantity).optional(),
      })
      .optional(),
  });
}

export const agentTaskSpecSchema = agentTaskSpecSchemaWith(z.string());

export const schedulerConditionSchema = z.strictObject({
  type: z.string(),
  status: enumOf(CONDITION_STATUSES),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: dateTime.optional(),
});

export const stringMapSchema = z.record(z.string(), z.string());

export const agentTaskStatusSchema = z.strictObject({
  phase: enumOf(AGENT_TASK_PHASES).optional(),
  jobName: z.string().optional(),
  startTime: dateTime.optional(),
  completionTime: dateTime.optional(),
  output: stringMapSchema.optional(),
  message: z.string().optional(),
  observedGeneration: integer.optional(),
  conditions: maxItems(z.array(schedulerConditionSchema), TASK_LIMITS.conditions).optional(),
});

export const agentTaskSchema = z.strictObject({
  apiVersion: z.literal(SCHEDULER_API_VERSION, { error: `expected "${SCHEDULER_API_VERSION}"` }),
  kind: z.literal(AGENT_TASK_KIND, { error: `expected "${AGENT_TASK_KIND}"` }),
  metadata: objectMetaSchema,
  spec: agentTaskSpecSchema.optional(),
  status: agentTaskStatusSchema.optional(),
});

export type AgentTaskInput = z.input<typeof agentTaskSchema>;
export type AgentTask = z.output<typeof agentTaskSchema>;
export type AgentTaskSpec = z.output<typeof agentTaskSpecSchema>;
export type AgentTaskSpecInput = z.input<typeof agentTaskSpecSchema>;
export type AgentTaskStatus = z.output<typeof agentTaskStatusSchema>;
export type SchedulerCondition = z.output<typeof schedulerConditionSchema>;

/** Validate an AgentTask as read from the API and apply the CRD defaults. */
export function validateAgentTask(obj: unknown): ValidationResult<AgentTask> {
  return validateWith(agentTaskSchema, obj);
}
