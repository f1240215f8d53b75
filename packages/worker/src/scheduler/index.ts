export { agentTaskKind } from './reconcile-agent-task.js';
export { workflowKind } from './reconcile-workflow.js';
export { buildTaskJob, TASK_CONTAINER } from './task-job.js';
export type { TaskJobInput } from './task-job.js';
