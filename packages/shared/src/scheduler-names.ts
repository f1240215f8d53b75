import { createHash } from 'node:crypto';
import { isDns1123Subdomain, isLabelValue, LABEL_VALUE_MAX_LENGTH, type NameProblem } from './names.js';

/**
 * Names derived from AgentTask and Workflow names. A task's Job is `<task>-task`; its pods carry the
 * Job name as the `batch.kubernetes.io/job-name` label and the task name as `AGENT_TASK_LABEL`, so both
 * must be label values (≤ 63): a task name has at most 58 characters.
 */
const JOB_SUFFIX = '-task';
export const AGENT_TASK_NAME_MAX_LENGTH = LABEL_VALUE_MAX_LENGTH - JOB_SUFFIX.length;

/** The Job of a task: `<task>-task`. */
export function taskJobName(taskName: string): string {
  return `${taskName}${JOB_SUFFIX}`;
}

/**
 * The task of step `index` of a workflow: `<workflow>-<index>`, deterministic so that a redelivered key
 * finds the task it created before. When that is longer than a task name may be, the workflow part is
 * cut and a hash of the whole workflow name keeps it unique: `<prefix>-<hash8>-<index>`.
 */
export function workflowTaskName(workflowName: string, index: number): string {
  const plain = `${workflowName}-${index}`;
  if (plain.length <= AGENT_TASK_NAME_MAX_LENGTH) return plain;
  const hash = createHash('sha256').update(workflowName).digest('hex').slice(0, 8);
  const tail = `-${hash}-${index}`;
  const prefix = workflowName.slice(0, AGENT_TASK_NAME_MAX_LENGTH - tail.length).replace(/[-.]+$/, '');
  return `${prefix}${tail}`;
}

/** Problems with a task name (empty when it and its Job name are valid). */
export function validateAgentTaskName(taskName: string): NameProblem[] {
  const problems: NameProblem[] = [];
  if (!isDns1123Subdomain(taskName) || !isLabelValue(taskName)) {
    problems.push({
      kind: 'AgentTask',
      name: taskName,
      message: `AgentTask name "${taskName}" must be a DNS-1123 subdomain and a label value (≤ ${LABEL_VALUE_MAX_LENGTH} characters)`,
    });
  }
  const job = taskJobName(taskName);
  if (!isLabelValue(job)) {
    problems.push({
      kind: 'Job',
      name: job,
      message: `Job name "${job}" (${job.length} characters) must be ≤ ${LABEL_VALUE_MAX_LENGTH} characters (it becomes the pods' job-name label); shorten the task name to ≤ ${AGENT_TASK_NAME_MAX_LENGTH}`,
    });
  }
  return problems;
}
