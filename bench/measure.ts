/** One benchmark figure, as written to bench/results.json (architecture §5). */
export interface Measure {
  value: number;
  unit: string;
  /** The same quantity for the baseline measured in the same run, when the measure compares. */
  baseline?: number;
  /** value / baseline (or the inverse when documented by the suite), rounded for reading. */
  ratio?: number;
  /** A short note on what was measured, shown in the table. */
  note?: string;
  /** Issue 14's aim for this figure, its starting figure, and whether this run met it (bench/targets.ts). */
  target?: string;
  before?: string;
  met?: boolean;
}

export type BenchResults = Record<string, Measure>;

export interface BenchOptions {
  /** Smaller sizes so the whole run (`pnpm bench --quick`) finishes in under 60 s. */
  quick: boolean;
}

export type BenchSuite = (opts: BenchOptions) => Promise<BenchResults>;

/**
 * Set by `pnpm bench` for the suites: the path of packages/shared's queue worker bundled (bench/bundle.ts), which the
 * processes a suite starts that need only it (the queue suite's crash workers) run with plain node instead of tsx.
 */
export const BENCH_SHARED_MODULE_ENV = 'BENCH_SHARED_MODULE';

export function ratio(value: number, baseline: number): number {
  return baseline === 0 ? 0 : Math.round((value / baseline) * 1000) / 1000;
}

/** Checks every `intervalMs` until `check` holds; fails naming `what` after `timeoutMs`. */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  intervalMs: number,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench: ${what} in time`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
