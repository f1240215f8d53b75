// The ambient-api-server source's state, read from the watchers' /metrics (the `ambient_watcher_api_*` series
// of packages/watcher/src/api-source-metrics.ts). Every watcher replica runs the source (each enqueues what its
// streams deliver; the leader alone resyncs), so the state is per watcher, leader first.
import type { MetricsScrape, MetricsScraper } from './metrics-scraper.js';
import { parsePrometheusSamples, type PrometheusSample } from './prometheus-text.js';

export interface ApiStreamView {
  resource: string;
  connected: boolean;
  /** Watch events received, all types. */
  events: number;
  /** Epoch milliseconds of the last watch event; undefined when none arrived yet. */
  lastEventAt: number | undefined;
  /** Full lists (after every connect, and periodic). */
  relists: number;
  lastRelistAt: number | undefined;
  reconnects: number;
  /** List and watch failures. */
  errors: number;
  lastError: { at: number; stage: string; message: string } | undefined;
}

export interface ApiSourceWatcherView {
  /** The /metrics URL it was read from. */
  url: string;
  leader: boolean;
  streams: ApiStreamView[];
}

export interface ApiSourceStatus {
  /** Epoch milliseconds of the scrape. */
  fetchedAt: number;
  /** Processes whose /metrics carry the source, leader first. */
  watchers: ApiSourceWatcherView[];
  /** Processes scraped that have no api-server source (workers, watchers without one). */
  otherUrls: string[];
  failedUrls: { url: string; error: string }[];
}

const METRIC = {
  leader: 'ambient_watcher_is_leader',
  connected: 'ambient_watcher_api_stream_connected',
  events: 'ambient_watcher_api_events_total',
  lastEvent: 'ambient_watcher_api_last_event_timestamp_seconds',
  relists: 'ambient_watcher_api_relists_total',
  lastRelist: 'ambient_watcher_api_last_relist_timestamp_seconds',
  reconnects: 'ambient_watcher_api_reconnects_total',
  errors: 'ambient_watcher_api_errors_total',
  lastError: 'ambient_watcher_api_last_error_timestamp_seconds',
} as const;

function byResource(samples: PrometheusSample[], resource: string): PrometheusSample[] {
  return samples.filter((s) => s.labels['resource'] === resource && Number.isFinite(s.value));
}

const sum = (samples: PrometheusSample[]) => samples.reduce((n, s) => n + s.value, 0);

/** Seconds since the epoch → ms; a 0 gauge (never set) is absent. */
function timeOf(samples: PrometheusSample[]): number | undefined {
  const newest = Math.max(0, ...samples.map((s) => s.value));
  return newest > 0 ? Math.round(newest * 1000) : undefined;
}

function watcherView(url: string, body: string): ApiSourceWatcherView | undefined {
  const read = (name: string) => parsePrometheusSamples(body, name);
  const connected = read(METRIC.connected);
  if (connected.length === 0) return undefined;
  const samples = {
    events: read(METRIC.events),
    lastEvent: read(METRIC.lastEvent),
    relists: read(METRIC.relists),
    lastRelist: read(METRIC.lastRelist),
    reconnects: read(METRIC.reconnects),
    errors: read(METRIC.errors),
    lastError: read(METRIC.lastError),
  };
  const streams = connected.flatMap((c): ApiStreamView[] => {
    const resource = c.labels['resource'];
    if (!resource) return [];
    const lastError = byResource(samples.lastError, resource).sort((a, b) => b.value - a.value)[0];
    return [
      {
        resource,
        connected: c.value === 1,
        events: sum(byResource(samples.events, resource)),
        lastEventAt: timeOf(byResource(samples.lastEvent, resource)),
        relists: sum(byResource(samples.relists, resource)),
        lastRelistAt: timeOf(byResource(samples.lastRelist, resource)),
        reconnects: sum(byResource(samples.reconnects, resource)),
        errors: sum(byResource(samples.errors, resource)),
        lastError: lastError
          ? {
              at: Math.round(lastError.value * 1000),
              stage: lastError.labels['stage'] ?? '',
              message: lastError.labels['message'] ?? '',
            }
          : undefined,
      },
    ];
  });
  return { url, leader: read(METRIC.leader)[0]?.value === 1, streams };
}

export function apiSourceStatusOfScrape(scrape: MetricsScrape): ApiSourceStatus {
  const watchers: ApiSourceWatcherView[] = [];
  const otherUrls: string[] = [];
  for (const { url, body } of scrape.bodies) {
    const view = watcherView(url, body);
    if (view) watchers.push(view);
    else otherUrls.push(url);
  }
  watchers.sort((a, b) => Number(b.leader) - Number(a.leader));
  return { fetchedAt: scrape.at, watchers, otherUrls, failedUrls: scrape.failedUrls };
}

export interface ApiSourceStatusReader {
  read(): Promise<ApiSourceStatus>;
}

export function createApiSourceStatus(metrics: MetricsScraper): ApiSourceStatusReader {
  return { read: () => metrics.scrape().then(apiSourceStatusOfScrape) };
}
