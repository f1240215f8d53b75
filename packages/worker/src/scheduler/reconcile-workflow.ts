import {
  decideWorkflow,
  type StepTaskObservation,
  type WorkflowCommand,
  type WorkflowObservation,
} from '@ambient-operator/machines';
import {
  AGENT_TASK_KIND,
  AGENT_TASK_PLURAL,
  SCHEDULER_API_VERSION,
  SCHEDULER_GROUP,
  SCHEDULER_VERSION,
  WORKFLOW_KIND,
  WORKFLOW_LABEL,
  WORKFLOW_STEP_LABEL,
  agentTaskStatusSchema,
  describeValidationIssues,
  validateWorkflow,
  workflowStatusSchema,
  workflowTaskName,
  type SessionRef,
  type WorkflowStatus,
} from '@ambient-operator/shared';
import { z } from 'zod';
import { createIfAbsent } from '../kube-ops.js';
import { readOrNull } from '../kube-ops.js';
import type { WorkerDeps } from '../worker-deps.js';
import { readSchedulerObject, writeSchedulerStatus, type SchedulerObject } from './scheduler-resource.js';

const taskApi = { group: SCHEDULER_GROUP, version: SCHEDULER_VERSION, plural: AGENT_TASK_PLURAL };

/**
 * One level-based reconcile of a Workflow: read it and its step tasks (one labelled list), let the
 * machine decide, create the current step's task if asked (a deterministic name, so a redelivered key
 * or a second worker finds it instead of creating another), write status, count transitions.
 */
export async function reconcileWorkflow(ref: SessionRef, deps: WorkerDeps): Promise<{ phase: string }> {
  const workflow = await readSchedulerObject(deps, 'workflows', ref);
  if (workflow === null || workflow.metadata.deletionTimestamp) return { phase: '' };
  const validated = validateWorkflow(workflow.raw);
  const steps = validated.ok ? (validated.value.spec?.steps ?? []) : undefined;
  const status = parseStatus(workflow.raw);
  const taskNames = (steps ?? []).map((_, i) => workflowTaskName(ref.name, i));
  const observation: WorkflowObservation = {
    nowMs: deps.now(),
    ...(workflow.metadata.generation !== undefined ? { generation: workflow.metadata.generation } : {}),
    steps,
    ...(validated.ok
      ? {}
      : { invalid: { reason: 'InvalidSpec', message: describeValidationIssues(validated.issues) } }),
    taskNames,
    tasks: await observeStepTasks(deps, workflow, taskNames, status?.currentStep ?? 0),
  };
  const decision = decideWorkflow({ status, observation });
  for (const command of decision.commands) await createStepTask(deps, workflow, command);
  await writeSchedulerStatus(deps, 'workflows', workflow, decision.statusPatch);
  for (const t of decision.transitions)
    deps.metrics.workflowPhaseTransitions.inc({
      namespace: ref.namespace,
      from_phase: t.from,
      to_phase: t.to,
    });
  return { phase: decision.nextPhase };
}

function parseStatus(raw: unknown): WorkflowStatus | undefined {
  const parsed = workflowStatusSchema.safeParse((raw as { status?: unknown }).status);
  return parsed.success ? parsed.data : undefined;
}

const taskItemSchema = z.object({
  metadata: z.object({
    name: z.string(),
    ownerReferences: z.array(z.object({ uid: z.string(), controller: z.boolean().optional() })).optional(),
  }),
  status: z.unknown().optional(),
});
type TaskItem = z.infer<typeof taskItemSchema>;

/**
 * The task of each step, by index. Tasks are listed by the workflow label; the current step's task,
 * when the list lacks it, is also read by name, so a task of that name someone else created is seen
 * (and fails the workflow) instead of being "created" again and again.
 */
async function observeStepTasks(
  deps: WorkerDeps,
  workflow: SchedulerObject,
  taskNames: readonly string[],
  currentStep: number,
): Promise<(StepTaskObservation | undefined)[]> {
  const { namespace, name, uid } = workflow.metadata;
  const list = (await deps.api.customObjects.listNamespacedCustomObject({
    ...taskApi,
    namespace,
    labelSelector: `${WORKFLOW_LABEL}=${name}`,
  })) as { items?: unknown[] };
  const byName = new Map<string, TaskItem>();
  for (const item of list.items ?? []) {
    const parsed = taskItemSchema.safeParse(item);
    if (parsed.success) byName.set(parsed.data.metadata.name, parsed.data);
  }
  const current = taskNames[currentStep];
  if (current !== undefined && !byName.has(current)) {
    const raw = await readOrNull(() =>
      deps.api.customObjects.getNamespacedCustomObject({ ...taskApi, namespace, name: current }),
    );
    const parsed = taskItemSchema.safeParse(raw);
    if (raw !== null && parsed.success) byName.set(current, parsed.data);
  }
  return taskNames.map((taskName) => {
    const item = byName.get(taskName);
    return item === undefined ? undefined : toStepTask(item, uid);
  });
}

function toStepTask(item: TaskItem, workflowUid: string): StepTaskObservation {
  const status = agentTaskStatusSchema.safeParse(item.status);
  const s = status.success ? status.data : {};
  return {
    name: item.metadata.name,
    ownedByWorkflow:
      item.metadata.ownerReferences?.some((o) => o.controller && o.uid === workflowUid) ?? false,
    ...(s.phase !== undefined ? { phase: s.phase } : {}),
    ...(s.output !== undefined ? { output: s.output } : {}),
    ...(s.startTime !== undefined ? { startTime: s.startTime } : {}),
    ...(s.completionTime !== undefined ? { completionTime: s.completionTime } : {}),
    ...(s.message !== undefined ? { message: s.message } : {}),
  };
}

/** The step's AgentTask, owned by the workflow (deleting the workflow deletes it, its Job and pod). */
async function createStepTask(deps: WorkerDeps, workflow: SchedulerObject, command: WorkflowCommand) {
  const { namespace, name, uid } = workflow.metadata;
  const body = {
    apiVersion: SCHEDULER_API_VERSION,
    kind: AGENT_TASK_KIND,
    metadata: {
      name: command.taskName,
      namespace,
      labels: { [WORKFLOW_LABEL]: name, [WORKFLOW_STEP_LABEL]: String(command.index) },
      ownerReferences: [
        { apiVersion: SCHEDULER_API_VERSION, kind: WORKFLOW_KIND, name, uid, controller: true },
      ],
    },
    spec: command.spec,
  };
  await createIfAbsent(() =>
    deps.api.customObjects.createNamespacedCustomObject({ ...taskApi, namespace, body }),
  );
}
