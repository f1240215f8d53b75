import { defineProject } from 'vitest/config';

// The full chaos suite runs on demand only (`pnpm test:chaos` = `vitest run --project chaos`): it takes minutes.
// `pnpm test` runs every project, so this one lists its files only when it is asked for by name.
const requested = process.argv.some(
  (arg, i, argv) => arg === '--project=chaos' || (arg === '--project' && argv[i + 1] === 'chaos'),
);

export default defineProject({
  test: {
    name: 'chaos',
    include: requested ? ['*.test.ts'] : [],
    // One system for the whole file, faults in order: nothing in parallel.
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
