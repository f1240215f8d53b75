// Issue 14's figures, one home: what each measure of bench/results.json must reach, the figure the issue started
// from, and whether this run met it. `pnpm bench` prints them as their own table and writes them into the measures.
import type { BenchResults, Measure } from './measure.js';

export interface Target {
  /** The item of issue 14 ("What to reach") the figure belongs to. */
  item: number;
  /** What to reach, as printed ("" for a figure the issue asks to report without a bound). */
  target: string;
  /** The figure the issue (or the README's first performance table) started from. */
  before: string;
  /** Only the full run measures it at the size the target is set for (the quick run may not emit it at all). */
  fullOnly?: boolean;
  /** Whether `m` reaches the target; absent for a figure only reported. */
  met?: (m: Measure) => boolean;
}

const atMost = (n: number) => (m: Measure) => m.value <= n;
const ratioAtMost = (n: number) => (m: Measure) => m.ratio !== undefined && m.ratio <= n;

/** Keys are bench/results.json's: `<suite>.<measure>`. */
export const ISSUE_14_TARGETS: Record<string, Target> = {
  'build.production_form': {
    item: 1,
    target: 'all 3 commands compiled, no TS loader',
    before: 'tsx at run time',
    met: (m) => m.value === 3,
  },
  'worker.worker_idle_rss': {
    item: 2,
    target: '≤ 100 MiB',
    before: '237 MiB (tsx)',
    met: atMost(100),
  },
  'scaling.worker_rss_under_load': { item: 2, target: '≤ 150 MiB', before: '—', met: atMost(150) },
  'watcher.watcher_rss': {
    item: 2,
    target: '≤ 150 MiB and ≤ 0.3× informer @50,000',
    before: '244 vs 387 MiB (0.63×)',
    fullOnly: true,
    met: (m) => m.value <= 150 && ratioAtMost(0.3)(m),
  },
  'watcher.watcher_heap': { item: 2, target: '', before: '0.39× informer', fullOnly: true },
  'worker.worker_ready': { item: 2, target: '≤ 1 s', before: '~4.7 s (tsx)', met: atMost(1000) },
  'watcher.watcher_ready': { item: 2, target: '≤ 1 s', before: '~7.8 s (tsx)', met: atMost(1000) },
  'scaling.redis_commands_per_reconcile': {
    item: 3,
    target: '≤ 1.5× raw BullMQ job',
    before: '134–141 (vs ~40)',
    met: ratioAtMost(1.5),
  },
  'queue.pipeline_redis_commands_per_reconcile': { item: 3, target: '', before: '49.4 (1.54×)' },
  'queue.jobs_per_timer_wakeup': { item: 3, target: '1 job', before: '2 jobs', met: atMost(1) },
  'queue.redis_commands_per_timer_wakeup': { item: 3, target: '', before: '86.6' },
  'worker.api_requests_per_lifecycle': {
    item: 4,
    target: '≤ 40 requests',
    before: '76–81',
    met: atMost(40),
  },
  'scaling.burst_1000_all_jobs': {
    item: 5,
    target: '≤ 10 s',
    before: '26.6 s',
    fullOnly: true,
    met: atMost(10_000),
  },
  'scaling.burst_1000_all_running': {
    item: 5,
    target: '≤ 15 s',
    before: '41.0 s',
    fullOnly: true,
    met: atMost(15_000),
  },
  'scaling.burst_10000_all_jobs': { item: 5, target: '', before: '—', fullOnly: true },
  'scaling.burst_10000_all_running': { item: 5, target: '', before: '—', fullOnly: true },
  'queue.pipeline_throughput': {
    item: 6,
    target: '≥ 0.6× raw BullMQ',
    before: '0.33–0.39×',
    met: (m) => m.ratio !== undefined && m.ratio >= 0.6,
  },
};

export interface TargetRow {
  key: string;
  target: Target;
  measure: Measure | undefined;
  /** 'yes' / 'NO'; 'report' for a figure without a bound; why not judged otherwise. */
  met: string;
}

/**
 * Every target against `results`: each measure found gets `target`, `before` and `met` written into it (so
 * results.json carries them). A full run missing a figure is an error of the bench, reported as such.
 */
export function judge(results: BenchResults, quick: boolean): TargetRow[] {
  return Object.entries(ISSUE_14_TARGETS).map(([key, target]) => {
    const measure = results[key];
    let met: string;
    if (measure === undefined) met = quick && target.fullOnly ? 'full run only' : 'MISSING';
    else if (target.met === undefined) met = 'report';
    else if (quick && target.fullOnly) met = 'full run only';
    else met = target.met(measure) ? 'yes' : 'NO';
    if (measure) {
      measure.target = target.target || 'report';
      measure.before = target.before;
      if (met === 'yes' || met === 'NO') measure.met = met === 'yes';
    }
    return { key, target, measure, met };
  });
}

/** A measure's value as the targets read it: ms above a second in s, and the ratio when there is one. */
export function showValue(m: Measure): string {
  const value =
    m.unit === 'ms' && m.value >= 1000 ? `${(m.value / 1000).toFixed(1)} s` : `${round(m.value)} ${m.unit}`;
  return m.ratio === undefined ? value : `${value} (${m.ratio}×)`;
}

export function round(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2).replace(/\.?0+$/, '');
}
