import { fileURLToPath } from 'node:url';

/** Where the generated diagrams live: `docs/` at the repository root. */
export function diagramPaths(): { mermaid: string; svg: string } {
  return {
    mermaid: fileURLToPath(new URL('../../../docs/session-machine.mmd', import.meta.url)),
    svg: fileURLToPath(new URL('../../../docs/session-machine.svg', import.meta.url)),
  };
}
