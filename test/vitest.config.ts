import { configDefaults, defineProject } from 'vitest/config';

// System tests: every part as its own process (kube-sim, Redis, watcher, workers, dashboard).
// test/chaos/ is a project of its own (on demand); chaos-smoke.test.ts here is its CI subset.
export default defineProject({
  test: {
    name: 'system',
    include: ['**/*.test.ts'],
    // *.real.test.ts need the real control plane: the system-real project (vitest.real.config.ts) runs them.
    exclude: [...configDefaults.exclude, 'chaos/**', '**/*.real.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
