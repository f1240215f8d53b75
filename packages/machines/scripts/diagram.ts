/**
 * Writes docs/{session,user-deployment,agent-task,workflow}-machine.{mmd,svg} (repository root), and
 * docs/<machine>.xstate.ts for every machine of the registry (Stately's visualizer), derived from the
 * machines. Run with `pnpm machines:diagram`; a test fails when they are stale.
 */
import { writeFileSync } from 'node:fs';
import {
  MACHINES,
  taskMermaid,
  taskSvg,
  toMermaid,
  toSvg,
  toXStateSource,
  userDeploymentMermaid,
  userDeploymentSvg,
  workflowMermaid,
  workflowSvg,
} from '@ambient-operator/machines';
import { diagramPaths, xstateOrigin, xstatePath } from './diagram-paths.js';

const paths = diagramPaths();
const files: [string, string][] = [
  [paths.mermaid, toMermaid()],
  [paths.svg, toSvg()],
  [paths.userDeploymentMermaid, userDeploymentMermaid()],
  [paths.userDeploymentSvg, userDeploymentSvg()],
  [paths.taskMermaid, taskMermaid()],
  [paths.taskSvg, taskSvg()],
  [paths.workflowMermaid, workflowMermaid()],
  [paths.workflowSvg, workflowSvg()],
  ...MACHINES.map((m): [string, string] => [
    xstatePath(m.docs),
    toXStateSource(m.machine, xstateOrigin(m.docs)),
  ]),
];
for (const [path, content] of files) {
  writeFileSync(path, content);
  console.log(`wrote ${path}`);
}
