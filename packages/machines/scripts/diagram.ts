/**
 * Writes docs/{session,user-deployment,agent-task,workflow}-machine.{mmd,svg} (repository root),
 * derived from the machines. Run with `pnpm machines:diagram`; a test fails when they are stale.
 */
import { writeFileSync } from 'node:fs';
import {
  taskMermaid,
  taskSvg,
  toMermaid,
  toSvg,
  userDeploymentMermaid,
  userDeploymentSvg,
  workflowMermaid,
  workflowSvg,
} from '@ambient-operator/machines';
import { diagramPaths } from './diagram-paths.js';

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
];
for (const [path, content] of files) {
  writeFileSync(path, content);
  console.log(`wrote ${path}`);
}
