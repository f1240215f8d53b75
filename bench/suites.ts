// The benchmark suites, in the order they run. Each measures one part; loading is lazy so a
// suite's dependencies are imported only when it runs.
import type { BenchSuite } from './measure.js';

export interface SuiteEntry {
  name: string;
  load: () => Promise<BenchSuite>;
}

export const suites: SuiteEntry[] = [];
