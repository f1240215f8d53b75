/**
 * Writes docs/session-machine.{mmd,svg} and docs/user-deployment-machine.{mmd,svg} (repository root),
 * derived from the machines. Run with `pnpm machines:diagram`; a test fails when they are stale.
 */
import { writeFileSync } from 'node:fs';
import { toMermaid, toSvg, userDeploymentMermaid, userDeploymentSvg } from '@ambient-operator/machines';
import { diagramPaths } from './diagram-paths.js';

const paths = diagramPaths();
const files: [string, string][] = [
  [paths.mermaid, toMermaid()],
  [paths.svg, toSvg()],
  [paths.userDeploymentMermaid, userDeploymentMermaid()],
  [paths.userDeploymentSvg, userDeploymentSvg()],
];
for (const [path, content] of files) {
  writeFileSync(path, content);
  console.log(`wrote ${path}`);
}
