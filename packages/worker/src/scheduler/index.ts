export { reconcileAgentTask } from './reconcile-agent-task.js';
export { reconcileWorkflow } from './reconcile-workflow.js';
export { buildTaskJob, TASK_CONTAINER } from './task-job.js';
export type { TaskJobInput } from './task-job.js';
