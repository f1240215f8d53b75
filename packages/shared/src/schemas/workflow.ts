import { z } from 'zod';
import { SCHEDULER_API_VERSION, WORKFLOW_KIND } from '../constants.js';
import {
  AGENT_TASK_PHASES,
  agentTaskSpecSchemaWith,
  schedulerConditionSchema,
  stringMapSchema,
  TASK_LIMITS,
} from './agent-task.js';
import { objectMetaSchema } from './object-meta.js';
import { dateTime, integer, maxItems, validateWith, type ValidationResult } from './validation.js';

/**
 * Workflow (`scheduler.ambient-code.io/v1alpha1`), exactly as deploy/crds/workflows-crd.yaml: steps
 * `{ name, task }` where `task` is an AgentTask spec whose substitutable strings must be well-formed
 * (every `${` starts a reference `${steps.N.output.KEY}`).
 */

export const WORKFLOW_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
export type WorkflowPhase = (typeof WORKFLOW_PHASES)[number];
export const WORKFLOW_MAX_STEPS = 32;

/**
 * The CRD's `pattern` on substitutable strings: text where each `${` begins a reference
 * `${steps.N.output.KEY}` (N a step index, KEY of letters, digits, `_`, `.`, `-`). A `$` not followed
 * by `{` is plain text together with the character after it, exactly as the substitution scans.
 */
export const STEP_REFERENCE_TEXT_PATTERN =
  '^([^$]|\\$[^{]|\\$\\{steps\\.[0-9]+\\.output\\.[A-Za-z0-9_.-]+\\})*\\$?$';

const referenceText = z.string().regex(new RegExp(STEP_REFERENCE_TEXT_PATTERN, 'u'), {
  error: 'every "${" must begin a reference ${steps.N.output.KEY}',
});

const enumOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of ${values.join(', ')}` });

export const workflowStepSchema = z.strictObject({
  name: z
    .string()
    .min(1, { error: 'expected a non-empty string' })
    .max(63, { error: 'expected at most 63 characters' }),
  task: agentTaskSpecSchemaWith(referenceText),
});

export const workflowSpecSchema = z.strictObject({
  steps: maxItems(
    z.array(workflowStepSchema).min(1, { error: 'must have at least 1 items' }),
    WORKFLOW_MAX_STEPS,
  ),
});

export const workflowStepStatusSchema = z.strictObject({
  name: z.string(),
  phase: enumOf(AGENT_TASK_PHASES).optional(),
  taskName: z.string().optional(),
  output: stringMapSchema.optional(),
  startTime: dateTime.optional(),
  completionTime: dateTime.optional(),
  message: z.string().optional(),
});

export const workflowStatusSchema = z.strictObject({
  phase: enumOf(WORKFLOW_PHASES).optional(),
  currentStep: integer.min(0, { error: 'expected an integer ≥ 0' }).optional(),
  message: z.string().optional(),
  observedGeneration: integer.optional(),
  steps: maxItems(z.array(workflowStepStatusSchema), WORKFLOW_MAX_STEPS).optional(),
  conditions: maxItems(z.array(schedulerConditionSchema), TASK_LIMITS.conditions).optional(),
});

export const workflowSchema = z.strictObject({
  apiVersion: z.literal(SCHEDULER_API_VERSION, { error: `expected "${SCHEDULER_API_VERSION}"` }),
  kind: z.literal(WORKFLOW_KIND, { error: `expected "${WORKFLOW_KIND}"` }),
  metadata: objectMetaSchema,
  spec: workflowSpecSchema.optional(),
  status: workflowStatusSchema.optional(),
});

export type WorkflowInput = z.input<typeof workflowSchema>;
export type Workflow = z.output<typeof workflowSchema>;
export type WorkflowSpec = z.output<typeof workflowSpecSchema>;
export type WorkflowStep = z.output<typeof workflowStepSchema>;
export type WorkflowStatus = z.output<typeof workflowStatusSchema>;
export type WorkflowStepStatus = z.output<typeof workflowStepStatusSchema>;

/** Validate a Workflow as read from the API and apply the CRD defaults. */
export function validateWorkflow(obj: unknown): ValidationResult<Workflow> {
  return validateWith(workflowSchema, obj);
}
