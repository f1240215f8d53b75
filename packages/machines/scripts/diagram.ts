/**
 * Writes docs/session-machine.mmd and docs/session-machine.svg (repository root), both derived
 * from the session machine. Run with `pnpm machines:diagram`; a test fails when they are stale.
 */
import { writeFileSync } from 'node:fs';
import { toMermaid, toSvg } from '@ambient-operator/machines';
import { diagramPaths } from './diagram-paths.js';

const paths = diagramPaths();
writeFileSync(paths.mermaid, toMermaid());
writeFileSync(paths.svg, toSvg());
console.log(`wrote ${paths.mermaid}\nwrote ${paths.svg}`);
