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
  WORKFLOW_PLURAL,
  WORKFLOW_STEP_LABEL,
  agentTaskStatusSchema,
  describeValidationIssues,
  validateWorkflow,
  workflowStatusSchema,
  workflowTaskName,
  type WorkflowStatus,
} from '@ambient-operator/shared';
import { z } from 'zod';
import { createIfAbsent, readOrNull } from '../kube-ops.js';
import { beforeWrite, type PhaseModelKind } from '../reconcile/object-subject.js';
import type { Plan } from '../reconcile/reconcile-loop.js';
import type { StoredObject } from '../stored-object.js';
import type { WorkerDeps } from '../worker-deps.js';

const taskApi = { group: SCHEDULER_GROUP, version: SCHEDULER_VERSION, plural: AGENT_TASK_PLURAL };

interface WorkflowReadings {
  observation: WorkflowObservation;
}

/**
 * Workflows for the generic loop: read the workflow and its step tasks (one labelled list), let the machine decide,
 * create the current step's task if asked (a deterministic name, so a redelivered key or a second worker finds it
 * instead of creating another), write status, count transitions.
 */
export function workflowKind(
  deps: WorkerDeps,
): PhaseModelKind<WorkflowStatus, WorkflowReadings, WorkflowCommand, Plan<WorkflowCommand, object>> {
  return {
    api: { group: SCHEDULER_GROUP, version: SCHEDULER_VERSION, plural: WORKFLOW_PLURAL },
    statusSchema: workflowStatusSchema,
    async observe(workflow, status, stamp) {
      const { name } = workflow.metadata;
      const validated = validateWorkflow(workflow.raw);
      const steps = validated.ok ? (validated.value.spec?.steps ?? []) : undefined;
      const taskNames = (steps ?? []).map((_, i) => workflowTaskName(name, i));
      const observation: WorkflowObservation = {
        ...stamp,
        steps,
        ...(validated.ok
          ? {}
          : { invalid: { reason: 'InvalidSpec', message: describeValidationIssues(validated.issues) } }),
        taskNames,
        tasks: await observeStepTasks(deps, workflow, taskNames, status?.currentStep ?? 0),
      };
      return { observation };
    },
    decide: (view) =>
      beforeWrite(decideWorkflow({ status: view.status, observation: view.readings.observation })),
    execute: (view, command) => createStepTask(deps, view.object, command),
    transitionCounter: deps.metrics.workflowPhaseTransitions,
  };
}

const taskItemSchema = z.object({
  metadata: z.object({
    name: z.string(),
    ownerReferences: z.array(z.object({ uid: z.string(), controller: z.boolean().optional() })).optional(),
  }),
  status: z.unknown().optional(),
});
type TaskItem = z.infer<typeof taskItemSchema>;
/** Items are parsed one by one: a task that does not parse is skipped, not the whole list. */
const taskListSchema = z.object({ items: z.array(z.unknown()).optional() });

/**
 * The task of each step, by index. Tasks are listed by the workflow label; the current step's task,
 * when the list lacks it, is also read by name, so a task of that name someone else created is seen
 * (and fails the workflow) instead of being "created" again and again.
 */
async function observeStepTasks(
  deps: WorkerDeps,
  workflow: StoredObject,
  taskNames: readonly string[],
  currentStep: number,
): Promise<(StepTaskObservation | undefined)[]> {
  const { namespace, name, uid } = workflow.metadata;
  const list = taskListSchema.parse(
    await deps.api.customObjects.listNamespacedCustomObject({
      ...taskApi,
      namespace,
      labelSelector: `${WORKFLOW_LABEL}=${name}`,
    }),
  );
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
async function createStepTask(deps: WorkerDeps, workflow: StoredObject, command: WorkflowCommand) {
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
