import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'api-contract', include: ['test/**/*.test.ts'] } });
