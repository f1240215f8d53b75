import {
  countHistoryTransitions,
  countPhases,
  scrapeTransitionMetrics,
  type MachineCounts,
  type ScrapeResult,
} from './machine-counts.js';
import type { SessionCache } from './session-cache.js';

export interface MachineStatusOptions {
  sessions: SessionCache;
  /** Workers' /metrics URLs; when given, transition counts come from them instead of the CRs' phaseHistory. */
  metricsUrls?: readonly string[];
  /** How long one scrape of the metrics URLs answers every viewer, in milliseconds. @defaultValue 3000 */
  metricsTtlMs?: number;
  /** Per-URL scrape timeout, in milliseconds. @defaultValue 2000 */
  metricsTimeoutMs?: number;
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
  const urls = options.metricsUrls ?? [];
  const ttlMs = options.metricsTtlMs ?? 3000;
  let scraped: { at: number; result: ScrapeResult } | undefined;
  let scraping: Promise<ScrapeResult> | undefined;

  function scrape(): Promise<ScrapeResult> {
    if (scraped && Date.now() - scraped.at < ttlMs) return Promise.resolve(scraped.result);
    scraping ??= scrapeTransitionMetrics(urls, fetch, options.metricsTimeoutMs ?? 2000)
      .then((result) => {
        scraped = { at: Date.now(), result };
        return result;
      })
      .finally(() => {
        scraping = undefined;
      });
    return scraping;
  }

  return {
    async read() {
      const [listing, metrics] = await Promise.all([
        options.sessions.list(),
        urls.length > 0 ? scrape() : Promise.resolve(undefined),
      ]);
      // Metrics win when at least one worker answered; with none answering, the CRs' history still says something.
      const useMetrics = metrics !== undefined && metrics.failedUrls.length < urls.length;
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
                  : `${HISTORY_NOTE} (No worker /metrics URL answered: ${metrics.failedUrls.map((f) => `${f.url}: ${f.error}`).join('; ')}.)`,
            },
        error: listing.error,
      };
    },
  };
}
