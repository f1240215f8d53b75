import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'watcher', include: ['test/**/*.test.ts'] } });
