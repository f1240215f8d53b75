import { defineProject } from 'vitest/config';

// System tests: every part as its own process (kube-sim, Redis, watcher, workers, dashboard).
export default defineProject({
  test: { name: 'system', include: ['**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
});
