import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'test', 'test/vitest.real.config.ts', 'test/chaos'],
    reporters: ['default', './scripts/vitest-summary-reporter.ts'],
  },
});
