import { configDefaults, defineProject } from 'vitest/config';

// System tests: every part as its own process (kube-sim, Redis, watcher, workers, dashboard).
// test/chaos/ is a project of its own (on demand); chaos-smoke.test.ts here is its CI subset.
export default defineProject({
  test: {
    name: 'system',
    include: ['**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'chaos/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
