// The benchmark suites, in the order they run. Each runs in a process of its own (bench/run-suite.ts),
// so memory figures are not mixed up between suites; loading is lazy for the same reason.
import type { BenchSuite } from './measure.js';

export interface SuiteEntry {
  name: string;
  load: () => Promise<BenchSuite>;
}

export const suites: SuiteEntry[] = [
  { name: 'kube-sim', load: async () => (await import('./kube-sim.js')).benchKubeSimSuite },
  { name: 'queue', load: async () => (await import('./queue.js')).benchQueue },
  { name: 'watcher', load: async () => (await import('./watcher.js')).benchWatcher },
  { name: 'worker', load: async () => (await import('./worker.js')).benchWorker },
  { name: 'agent-tasks', load: async () => (await import('./agent-tasks.js')).benchAgentTasks },
  {
    name: 'user-deployments',
    load: async () => (await import('./user-deployments.js')).benchUserDeployments,
  },
  { name: 'api-server', load: async () => (await import('./api-server.js')).benchApiServer },
  { name: 'scaling', load: async () => (await import('./scaling.js')).benchScaling },
];
