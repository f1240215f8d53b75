import type { AnyStateMachine } from 'xstate';
import { AGENT_TASK_PHASES, WORKFLOW_PHASES } from '@ambient-operator/shared';
import { TERMINAL_TASK_PHASES } from './agent-task.decide.js';
import { taskMachine } from './agent-task.machine.js';
import type { DiagramModel } from './session-diagram-svg.js';
import { renderSvg } from './session-diagram-svg.js';
import type { MachineEdge } from './session.graph.js';
import { machineEdges, renderMermaid } from './session.graph.js';
import { NO_PHASE } from './session-status.js';
import { TERMINAL_WORKFLOW_PHASES } from './workflow.decide.js';
import { workflowMachine } from './workflow.machine.js';

const anyState = (key: string) => key;

/** Every transition of a scheduler machine in definition order (states as plain strings). */
export function schedulerMachineEdges(machine: AnyStateMachine): MachineEdge[] {
  return machineEdges(machine, anyState);
}

/** A phase change as metrics label it (`from: 'None'` for a new object). */
export interface PhasePair {
  from: string;
  to: string;
}

/** Every (from, to) phase change of a machine, from its definition; for metric label init and the dashboard. */
export function phasePairs(machine: AnyStateMachine): PhasePair[] {
  const seen = new Set<string>();
  const pairs: PhasePair[] = [];
  for (const edge of schedulerMachineEdges(machine)) {
    if (edge.source === edge.target) continue;
    const from = edge.source === 'New' ? NO_PHASE : edge.source;
    if (seen.has(`${from}->${edge.target}`)) continue;
    seen.add(`${from}->${edge.target}`);
    pairs.push({ from, to: edge.target });
  }
  return pairs;
}

export const TASK_TRANSITIONS: readonly PhasePair[] = Object.freeze(phasePairs(taskMachine));
export const WORKFLOW_TRANSITIONS: readonly PhasePair[] = Object.freeze(phasePairs(workflowMachine));

export function taskDiagramModel(): DiagramModel {
  return {
    phases: AGENT_TASK_PHASES,
    isTerminal: (p) => (TERMINAL_TASK_PHASES as readonly string[]).includes(p),
    edges: schedulerMachineEdges(taskMachine),
    startTitle: 'new task (no phase)',
  };
}

export function workflowDiagramModel(): DiagramModel {
  return {
    phases: WORKFLOW_PHASES,
    isTerminal: (p) => (TERMINAL_WORKFLOW_PHASES as readonly string[]).includes(p),
    edges: schedulerMachineEdges(workflowMachine),
    startTitle: 'new workflow (no phase)',
  };
}

/** The AgentTask machine as Mermaid (docs/agent-task-machine.mmd). */
export const taskMermaid = (): string => renderMermaid(taskDiagramModel());
/** The AgentTask machine as SVG (docs/agent-task-machine.svg, the dashboard's /machine page). */
export const taskSvg = (): string => renderSvg(taskDiagramModel());
/** The Workflow machine as Mermaid (docs/workflow-machine.mmd). */
export const workflowMermaid = (): string => renderMermaid(workflowDiagramModel());
/** The Workflow machine as SVG (docs/workflow-machine.svg, the dashboard's /machine page). */
export const workflowSvg = (): string => renderSvg(workflowDiagramModel());
