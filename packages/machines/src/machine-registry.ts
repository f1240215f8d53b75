import type { AnyStateMachine } from 'xstate';
import { taskMachine } from './agent-task.machine.js';
import { sessionMachine } from './session.machine.js';
import { userDeploymentMachine } from './user-deployment.machine.js';
import { workflowMachine } from './workflow.machine.js';

/** A phase model as tools outside the operator see it: the visualizer export, `/machine.json`. */
export interface RegisteredMachine {
  /** The machine's id (`machine.id`), the key of `/machine.json`. */
  id: string;
  /** Base name of its files in `docs/` (`<docs>.xstate.ts`, `.mmd`, `.svg`). */
  docs: string;
  machine: AnyStateMachine;
}

/** Every machine of the operator; a new one is one line here. */
export const MACHINES: readonly RegisteredMachine[] = [
  { id: sessionMachine.id, docs: 'session-machine', machine: sessionMachine },
  { id: userDeploymentMachine.id, docs: 'user-deployment-machine', machine: userDeploymentMachine },
  { id: taskMachine.id, docs: 'agent-task-machine', machine: taskMachine },
  { id: workflowMachine.id, docs: 'workflow-machine', machine: workflowMachine },
];
