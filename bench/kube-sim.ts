// kube-sim's own figures: request rates, watch fan-out and memory with many sessions.
import { benchKubeSim } from '@ambient-operator/kube-sim/bench';
import type { BenchOptions, BenchResults } from './measure.js';

export async function benchKubeSimSuite(opts: BenchOptions): Promise<BenchResults> {
  const sessions = opts.quick ? 10_000 : 50_000;
  // --quick: 500 GETs and 500 PATCHes (3,000 each), 1,000 writes to 10 watchers (2,000): still a few hundred
  // milliseconds of each rate on 2 cores, and half this suite's CPU-seconds.
  const requests = opts.quick ? 500 : 3000;
  const watchWrites = opts.quick ? 1000 : 2000;
  const r = await benchKubeSim({ sessions, requests, watchWrites });
  return {
    get_rate: {
      value: Math.round(r.getRequestsPerSecond),
      unit: 'req/s',
      note: `GET of one AgenticSession, 16 concurrent, ${requests} requests`,
    },
    patch_status_rate: {
      value: Math.round(r.patchRequestsPerSecond),
      unit: 'req/s',
      note: `merge-patch /status, 16 concurrent, ${requests} requests`,
    },
    watch_fanout_rate: {
      value: Math.round(r.watchEventsPerSecond),
      unit: 'events/s',
      note: `events delivered, summed over 10 watchers, ${watchWrites} writes`,
    },
    rss_with_sessions: {
      value: Math.round(r.rssMiB),
      unit: 'MiB',
      note: `${r.sessions} AgenticSessions stored`,
    },
    paginated_list: {
      value: Math.round(r.paginatedListMs),
      unit: 'ms',
      note: `list ${r.sessions} in pages of 500 over HTTP`,
    },
  };
}
