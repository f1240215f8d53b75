import type { MachineEdge } from './session.graph.js';
import { machineEdges, renderMermaid } from './session.graph.js';
import { renderSvg } from './session-diagram-svg.js';
import { userDeploymentMachine } from './user-deployment.machine.js';
import type { UserDeploymentPhase } from './user-deployment-status.js';
import {
  isUserDeploymentPhase,
  USER_DEPLOYMENT_PHASES,
  USER_DEPLOYMENT_RESTING_PHASES,
} from './user-deployment-status.js';

/** A state of the UserDeployment machine: a phase, or `New` (no phase stored yet). */
export type UserDeploymentMachineState = 'New' | UserDeploymentPhase;
export type UserDeploymentMachineEdge = MachineEdge<UserDeploymentMachineState>;

function stateName(key: string): UserDeploymentMachineState {
  if (key === 'New' || isUserDeploymentPhase(key)) return key;
  throw new Error(`unexpected state ${key} in the user deployment machine`);
}

/** Every transition of the UserDeployment machine, in definition order. */
export function userDeploymentMachineEdges(): UserDeploymentMachineEdge[] {
  return machineEdges(userDeploymentMachine, stateName);
}

export interface UserDeploymentTransitionPair {
  from: UserDeploymentPhase | 'None';
  to: UserDeploymentPhase;
}

/** Every (from, to) phase change the machine can make, from its definition; for metric label init. */
export const USER_DEPLOYMENT_TRANSITIONS: readonly UserDeploymentTransitionPair[] = Object.freeze(
  (() => {
    const seen = new Set<string>();
    const pairs: UserDeploymentTransitionPair[] = [];
    for (const edge of userDeploymentMachineEdges()) {
      if (edge.source === edge.target || edge.target === 'New') continue;
      const from = edge.source === 'New' ? 'None' : edge.source;
      if (seen.has(`${from}->${edge.target}`)) continue;
      seen.add(`${from}->${edge.target}`);
      pairs.push(Object.freeze({ from, to: edge.target }));
    }
    return pairs;
  })(),
);

const model = () => ({
  phases: USER_DEPLOYMENT_PHASES,
  edges: userDeploymentMachineEdges(),
  isTerminal: (phase: string) => (USER_DEPLOYMENT_RESTING_PHASES as readonly string[]).includes(phase),
  startTitle: 'new user deployment (no phase)',
});

/** The UserDeployment machine as Mermaid (docs/user-deployment-machine.mmd). */
export function userDeploymentMermaid(): string {
  return renderMermaid(model());
}

/** The UserDeployment machine as SVG (docs/user-deployment-machine.svg, the dashboard's /machine page). */
export function userDeploymentSvg(): string {
  return renderSvg(model());
}
