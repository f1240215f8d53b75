import { defineProject } from 'vitest/config';

// Tests run real processes (kube-sim, Redis, child watchers); they wait for events with bounded polls.
export default defineProject({
  test: { name: 'watcher', include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 30_000 },
});
