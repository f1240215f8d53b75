import type { V1Job, V1Pod } from '@kubernetes/client-node';
import {
  decideTask,
  isTerminalTaskPhase,
  type TaskJobObservation,
  type TaskObservation,
  type TaskTransition,
} from '@ambient-operator/machines';
import {
  agentTaskStatusSchema,
  describeValidationIssues,
  taskJobName,
  validateAgentTask,
  validateAgentTaskName,
  type AgentTaskSpec,
  type AgentTaskStatus,
  type SessionRef,
} from '@ambient-operator/shared';
import { createIfAbsent } from '../kube-ops.js';
import { readOrNull } from '../kube-ops.js';
import type { WorkerDeps } from '../worker-deps.js';
import { readSchedulerObject, writeSchedulerStatus, type SchedulerObject } from './scheduler-resource.js';
import { buildTaskJob, TASK_CONTAINER } from './task-job.js';

/**
 * One level-based reconcile of an AgentTask: read the task and its Job (and, once the Job has ended, its
 * pod for the exit code and output), let the machine decide, create the Job if asked, write status with
 * the read resourceVersion, then count the transitions that were written.
 */
export async function reconcileAgentTask(ref: SessionRef, deps: WorkerDeps): Promise<{ phase: string }> {
  const task = await readSchedulerObject(deps, 'agenttasks', ref);
  if (task === null || task.metadata.deletionTimestamp) return { phase: '' };
  const validated = validateAgentTask(task.raw);
  const status = parseStatus(task.raw);
  const jobName = taskJobName(ref.name);
  const observation: TaskObservation = {
    nowMs: deps.now(),
    jobName,
    ...(task.metadata.generation !== undefined ? { generation: task.metadata.generation } : {}),
    ...refusalOf(deps, ref),
    ...invalidOf(ref.name, validated),
    job: await observeJob(deps, ref.namespace, jobName, task.metadata.uid),
  };
  const decision = decideTask({ status, observation });
  for (const command of decision.commands) {
    if (!validated.ok) throw new Error('task machine asked for a Job of an invalid task');
    await createTaskJob(deps, task, validated.value.spec ?? { timeoutSeconds: 3600 }, command.jobName);
  }
  await writeSchedulerStatus(deps, 'agenttasks', task, decision.statusPatch);
  recordTaskTransitions(deps, ref.namespace, decision.transitions, { ...status, ...decision.statusPatch });
  return { phase: decision.nextPhase };
}

/** A stored status that no longer parses is treated as absent: the machine starts over idempotently. */
function parseStatus(raw: unknown): AgentTaskStatus | undefined {
  const status = (raw as { status?: unknown }).status;
  const parsed = agentTaskStatusSchema.safeParse(status);
  return parsed.success ? parsed.data : undefined;
}

function refusalOf(deps: WorkerDeps, ref: SessionRef): Pick<TaskObservation, 'refusal'> {
  const only = deps.config.agentTasks.taskNamespace;
  if (only === undefined || only === ref.namespace) return {};
  return {
    refusal: {
      reason: 'NamespaceNotAllowed',
      message: `AgentTasks run only in namespace ${only} (TASK_NAMESPACE); this one gets no Job`,
    },
  };
}

function invalidOf(
  name: string,
  validated: ReturnType<typeof validateAgentTask>,
): Pick<TaskObservation, 'invalid'> {
  const names = validateAgentTaskName(name);
  if (names.length > 0)
    return { invalid: { reason: 'InvalidName', message: names.map((p) => p.message).join('; ') } };
  if (!validated.ok)
    return { invalid: { reason: 'InvalidSpec', message: describeValidationIssues(validated.issues) } };
  return {};
}

/** The Job as the machine needs it; a Job not controlled by this task counts as absent. */
async function observeJob(
  deps: WorkerDeps,
  namespace: string,
  jobName: string,
  taskUid: string,
): Promise<TaskJobObservation | undefined> {
  const job = await readOrNull(() => deps.api.batch.readNamespacedJob({ name: jobName, namespace }));
  if (job === null || !job.metadata?.ownerReferences?.some((o) => o.controller && o.uid === taskUid))
    return undefined;
  const outcome = jobOutcome(job);
  if (outcome.outcome === 'running') return { name: jobName, outcome: 'running' };
  const pod = await finishedPod(deps, namespace, jobName);
  const terminated = pod?.status?.containerStatuses?.find((c) => c.name === TASK_CONTAINER)?.state
    ?.terminated;
  return {
    name: jobName,
    ...outcome,
    ...(terminated
      ? {
          container: {
            exitCode: terminated.exitCode,
            ...(terminated.reason ? { reason: terminated.reason } : {}),
            ...(terminated.message !== undefined ? { terminationMessage: terminated.message } : {}),
          },
        }
      : {}),
  };
}

function jobOutcome(job: V1Job): Pick<TaskJobObservation, 'outcome' | 'message'> {
  const conditions = job.status?.conditions ?? [];
  const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed?.reason === 'DeadlineExceeded')
    return { outcome: 'deadlineExceeded', ...(failed.message ? { message: failed.message } : {}) };
  if (failed) return { outcome: 'failed', ...(failed.message ? { message: failed.message } : {}) };
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return { outcome: 'succeeded' };
  return { outcome: 'running' };
}

/** The Job's one pod (backoffLimit 0), read only once the Job has ended. */
async function finishedPod(deps: WorkerDeps, namespace: string, jobName: string): Promise<V1Pod | undefined> {
  const pods = await deps.api.core.listNamespacedPod({ namespace, labelSelector: `job-name=${jobName}` });
  return (
    pods.items.find((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') ?? pods.items[0]
  );
}

async function createTaskJob(deps: WorkerDeps, task: SchedulerObject, spec: AgentTaskSpec, jobName: string) {
  const { name, namespace, uid } = task.metadata;
  const body = buildTaskJob({
    task: { name, namespace, uid },
    spec,
    jobName,
    defaultImage: deps.config.runner.image,
    imagePullPolicy: deps.config.runner.imagePullPolicy,
  });
  await createIfAbsent(() => deps.api.batch.createNamespacedJob({ namespace, body }));
}

/** After the status write: each transition once, and a finished task's run time by final phase. */
function recordTaskTransitions(
  deps: WorkerDeps,
  namespace: string,
  transitions: readonly TaskTransition[],
  written: { startTime?: string | null; completionTime?: string | null },
): void {
  for (const t of transitions) {
    deps.metrics.taskPhaseTransitions.inc({ namespace, from_phase: t.from, to_phase: t.to });
    if (!isTerminalTaskPhase(t.to)) continue;
    const start = Date.parse(written.startTime ?? '');
    const end = Date.parse(written.completionTime ?? '');
    if (Number.isFinite(start) && Number.isFinite(end))
      deps.metrics.taskDuration.observe({ namespace, final_phase: t.to }, Math.max(0, end - start) / 1000);
  }
}
