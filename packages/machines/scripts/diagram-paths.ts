import { fileURLToPath } from 'node:url';

const docs = (name: string) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));

/** Where the generated diagrams live: `docs/` at the repository root. */
export function diagramPaths(): {
  mermaid: string;
  svg: string;
  userDeploymentMermaid: string;
  userDeploymentSvg: string;
  taskMermaid: string;
  taskSvg: string;
  workflowMermaid: string;
  workflowSvg: string;
} {
  return {
    mermaid: docs('session-machine.mmd'),
    svg: docs('session-machine.svg'),
    userDeploymentMermaid: docs('user-deployment-machine.mmd'),
    userDeploymentSvg: docs('user-deployment-machine.svg'),
    taskMermaid: docs('agent-task-machine.mmd'),
    taskSvg: docs('agent-task-machine.svg'),
    workflowMermaid: docs('workflow-machine.mmd'),
    workflowSvg: docs('workflow-machine.svg'),
  };
}

/** Where a registered machine's Stately file lives: `docs/<docs>.xstate.ts`. */
export function xstatePath(docsName: string): string {
  return docs(`${docsName}.xstate.ts`);
}

/** What the generated file names as its source. */
export function xstateOrigin(docsName: string): string {
  return `packages/machines (${docsName.replace(/-machine$/, '')} machine)`;
}
