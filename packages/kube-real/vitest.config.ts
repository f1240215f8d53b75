import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'kube-real',
    include: ['test/**/*.test.ts'],
    // The first build of the control plane takes minutes: once, before any test (cached after).
    globalSetup: ['./test/build-binaries.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
