import { fileURLToPath } from 'node:url';

/** The repository root (this file is `packages/deploy-tests/src/repo-paths.ts`). */
export const repoRoot: string = fileURLToPath(new URL('../../../', import.meta.url));

/** `deploy/` of the repository: base, components, overlays, crds, README. */
export const deployDir: string = fileURLToPath(new URL('../../../deploy/', import.meta.url));
