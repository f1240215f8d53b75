import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'api-sim', include: ['test/**/*.test.ts'] } });
