import type { CustomObjectsApi } from '@kubernetes/client-node';
import {
  AGENT_TASK_PLURAL,
  SCHEDULER_GROUP,
  SCHEDULER_VERSION,
  WORKFLOW_LABEL,
  WORKFLOW_PLURAL,
  agentTaskSpecSchema,
  agentTaskStatusSchema,
  workflowStatusSchema,
  type AgentTaskSpec,
  type AgentTaskStatus,
  type WorkflowStatus,
} from '@ambient-operator/shared';
import { z } from 'zod';

/** An AgentTask or Workflow as the dashboard shows it: identity, creation time, spec and status as read. */
export interface SchedulerItem<Spec, Status> {
  namespace: string;
  name: string;
  createdAt?: string;
  /** Set on tasks a workflow created: the workflow's name. */
  workflow?: string;
  spec?: Spec;
  status?: Status;
}
export type TaskItem = SchedulerItem<AgentTaskSpec, AgentTaskStatus>;
export type WorkflowItem = SchedulerItem<{ steps: { name: string }[] }, WorkflowStatus>;

const itemSchema = z.object({
  metadata: z.object({
    name: z.string(),
    namespace: z.string(),
    creationTimestamp: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.unknown().optional(),
  status: z.unknown().optional(),
});

const workflowSpecShape = z.object({ steps: z.array(z.object({ name: z.string() }).loose()) });
/** Items past this many are not shown (a page, not an export). */
const LIST_LIMIT = 500;

function toItem<Spec, Status>(
  raw: unknown,
  spec: z.ZodType<Spec>,
  status: z.ZodType<Status>,
): SchedulerItem<Spec, Status> | undefined {
  const parsed = itemSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { metadata } = parsed.data;
  const s = spec.safeParse(parsed.data.spec);
  const st = status.safeParse(parsed.data.status);
  const workflow = metadata.labels?.[WORKFLOW_LABEL];
  return {
    namespace: metadata.namespace,
    name: metadata.name,
    ...(metadata.creationTimestamp ? { createdAt: metadata.creationTimestamp } : {}),
    ...(workflow ? { workflow } : {}),
    ...(s.success ? { spec: s.data } : {}),
    ...(st.success ? { status: st.data } : {}),
  };
}

const api = (plural: string) => ({ group: SCHEDULER_GROUP, version: SCHEDULER_VERSION, plural });

/** Reads AgentTasks and Workflows live (no cache: these pages are looked at, not polled). */
export class SchedulerObjects {
  constructor(private readonly custom: CustomObjectsApi) {}

  async tasks(labelSelector?: string, namespace?: string): Promise<TaskItem[]> {
    const list = (await (namespace
      ? this.custom.listNamespacedCustomObject({
          ...api(AGENT_TASK_PLURAL),
          namespace,
          labelSelector,
          limit: LIST_LIMIT,
        })
      : this.custom.listClusterCustomObject({
          ...api(AGENT_TASK_PLURAL),
          labelSelector,
          limit: LIST_LIMIT,
        }))) as {
      items?: unknown[];
    };
    return (list.items ?? []).flatMap((raw) => toItem(raw, agentTaskSpecSchema, agentTaskStatusSchema) ?? []);
  }

  async workflows(): Promise<WorkflowItem[]> {
    const list = (await this.custom.listClusterCustomObject({
      ...api(WORKFLOW_PLURAL),
      limit: LIST_LIMIT,
    })) as {
      items?: unknown[];
    };
    return (list.items ?? []).flatMap((raw) => toItem(raw, workflowSpecShape, workflowStatusSchema) ?? []);
  }

  async task(namespace: string, name: string): Promise<TaskItem | undefined> {
    const raw = await this.custom
      .getNamespacedCustomObject({ ...api(AGENT_TASK_PLURAL), namespace, name })
      .catch(notFoundAsUndefined);
    return raw === undefined ? undefined : toItem(raw, agentTaskSpecSchema, agentTaskStatusSchema);
  }

  async workflow(namespace: string, name: string): Promise<WorkflowItem | undefined> {
    const raw = await this.custom
      .getNamespacedCustomObject({ ...api(WORKFLOW_PLURAL), namespace, name })
      .catch(notFoundAsUndefined);
    return raw === undefined ? undefined : toItem(raw, workflowSpecShape, workflowStatusSchema);
  }
}

function notFoundAsUndefined(err: unknown): undefined {
  if ((err as { code?: number }).code === 404) return undefined;
  throw err;
}
