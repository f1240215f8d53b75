import { defineProject } from 'vitest/config';

// End-to-end tests wait for real controllers (kube-sim) and queues (Redis): give them room.
export default defineProject({
  test: { name: 'worker', include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
