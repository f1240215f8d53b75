import {
  countHistoryTransitions,
  countPhases,
  transitionsOfScrape,
  type MachineCounts,
} from './machine-counts.js';
import type { MetricsScraper } from './metrics-scraper.js';
import type { SessionCache } from './session-cache.js';

export interface MachineStatusOptions {
  sessions: SessionCache;
  /** The processes' /metrics; when it has URLs, transition counts come from them instead of the CRs' phaseHistory. */
  metrics: MetricsScraper;
}

export interface MachineStatus {
  read(): Promise<MachineCounts>;
}

const HISTORY_NOTE =
  'Transition counts are summed from the phase history kept on the AgenticSession resources ' +
  '(status.phaseHistory, the newest 20 entries of each session): deleted sessions and older transitions are not counted.';
const METRICS_NOTE =
  'Transition counts are ambient_session_phase_transitions_total summed over the workers’ /metrics ' +
  '(counted since each worker process started; a restarted worker starts again from 0).';

export function createMachineStatus(options: MachineStatusOptions): MachineStatus {
  const urls = options.metrics.urls;
  return {
    async read() {
      const [listing, metrics] = await Promise.all([
        options.sessions.list(),
        urls.length > 0 ? options.metrics.scrape().then(transitionsOfScrape) : Promise.resolve(undefined),
      ]);
      // Metrics win when at least one worker answered; with none answering, the CRs' history still says something.
      const useMetrics = metrics !== undefined && metrics.countingUrls.length > 0;
      return {
        sessionsFetchedAt: listing.fetchedAt,
        totalSessions: listing.sessions.length,
        ...countPhases(listing),
        transitions: useMetrics ? metrics.transitions : countHistoryTransitions(listing),
        transitionSource: useMetrics
          ? { kind: 'metrics', note: METRICS_NOTE, urls: [...urls], failedUrls: metrics.failedUrls }
          : {
              kind: 'phaseHistory',
              note:
                metrics === undefined
                  ? HISTORY_NOTE
                  : `${HISTORY_NOTE} (No worker /metrics URL answered${metrics.failedUrls.length > 0 ? `: ${metrics.failedUrls.map((f) => `${f.url}: ${f.error}`).join('; ')}` : ''}.)`,
            },
        error: listing.error,
      };
    },
  };
}
