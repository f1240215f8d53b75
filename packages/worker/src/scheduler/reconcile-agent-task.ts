import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import {
  decideTask,
  isTerminalTaskPhase,
  type TaskCommand,
  type TaskJobObservation,
  type TaskObservation,
} from '@ambient-operator/machines';
import {
  AGENT_TASK_PLURAL,
  SCHEDULER_GROUP,
  SCHEDULER_VERSION,
  agentTaskStatusSchema,
  describeValidationIssues,
  taskJobName,
  validateAgentTask,
  validateAgentTaskName,
  type AgentTaskSpec,
  type AgentTaskStatus,
} from '@ambient-operator/shared';
import { createIfAbsent, readOrNull } from '../kube-ops.js';
import { beforeWrite, type PhaseModelKind } from '../reconcile/object-subject.js';
import type { Plan } from '../reconcile/reconcile-loop.js';
import type { ReconcileTransition } from '../reconcile/reconciler.js';
import type { StoredObject } from '../stored-object.js';
import type { WorkerDeps } from '../worker-deps.js';
import { buildTaskJob, TASK_CONTAINER } from './task-job.js';

interface TaskReadings {
  observation: TaskObservation;
  /** The spec the Job is built from; undefined when the task fails validation (it then gets no Job). */
  spec: AgentTaskSpec | undefined;
}

/**
 * AgentTasks for the generic loop: read the task and its Job (and, once the Job has ended, its pod for the exit
 * code and output), let the machine decide, create the Job if asked, write status with the read resourceVersion,
 * then count the transitions that were written.
 */
export function agentTaskKind(
  deps: WorkerDeps,
): PhaseModelKind<AgentTaskStatus, TaskReadings, TaskCommand, Plan<TaskCommand, object>> {
  return {
    api: { group: SCHEDULER_GROUP, version: SCHEDULER_VERSION, plural: AGENT_TASK_PLURAL },
    statusSchema: agentTaskStatusSchema,
    async observe(task, _status, stamp) {
      const { namespace, name, uid } = task.metadata;
      const validated = validateAgentTask(task.raw);
      const jobName = taskJobName(name);
      const observation: TaskObservation = {
        ...stamp,
        jobName,
        ...refusalOf(deps, namespace),
        ...invalidOf(name, validated),
        job: await observeJob(deps, namespace, jobName, uid),
      };
      const spec = validated.ok ? (validated.value.spec ?? { timeoutSeconds: 3600 }) : undefined;
      return { observation, spec };
    },
    decide: (view) =>
      beforeWrite(decideTask({ status: view.status, observation: view.readings.observation })),
    async execute(view, command) {
      if (view.readings.spec === undefined)
        throw new Error('task machine asked for a Job of an invalid task');
      await createTaskJob(deps, view.object, view.readings.spec, command.jobName);
    },
    transitionCounter: deps.metrics.taskPhaseTransitions,
    statusWritten(view, plan) {
      observeTaskDurations(deps, view.object.metadata.namespace, plan.transitions, {
        ...view.status,
        ...plan.statusPatch,
      });
    },
  };
}

function refusalOf(deps: WorkerDeps, namespace: string): Pick<TaskObservation, 'refusal'> {
  const only = deps.config.agentTasks.taskNamespace;
  if (only === undefined || only === namespace) return {};
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

function jobOutcome(job: Wire<V1Job>): Pick<TaskJobObservation, 'outcome' | 'message'> {
  const conditions = job.status?.conditions ?? [];
  const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed?.reason === 'DeadlineExceeded')
    return { outcome: 'deadlineExceeded', ...(failed.message ? { message: failed.message } : {}) };
  if (failed) return { outcome: 'failed', ...(failed.message ? { message: failed.message } : {}) };
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return { outcome: 'succeeded' };
  return { outcome: 'running' };
}

/** The Job's one pod (backoffLimit 0), read only once the Job has ended. */
async function finishedPod(
  deps: WorkerDeps,
  namespace: string,
  jobName: string,
): Promise<Wire<V1Pod> | undefined> {
  const pods = await deps.api.core.listNamespacedPod({ namespace, labelSelector: `job-name=${jobName}` });
  return (
    pods.items.find((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') ?? pods.items[0]
  );
}

async function createTaskJob(deps: WorkerDeps, task: StoredObject, spec: AgentTaskSpec, jobName: string) {
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

/** After the status write: a finished task's run time by final phase. */
function observeTaskDurations(
  deps: WorkerDeps,
  namespace: string,
  transitions: readonly ReconcileTransition[],
  written: { startTime?: string | null; completionTime?: string | null },
): void {
  for (const t of transitions) {
    if (!isTerminalTaskPhase(t.to)) continue;
    const start = Date.parse(written.startTime ?? '');
    const end = Date.parse(written.completionTime ?? '');
    if (Number.isFinite(start) && Number.isFinite(end))
      deps.metrics.taskDuration.observe({ namespace, final_phase: t.to }, Math.max(0, end - start) / 1000);
  }
}
