// The watcher's Prometheus metrics, on a registry of its own (one per Watcher, so several can run in one process).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { createQueueGauges, type QueueStats, type WatchedKind } from '@ambient-operator/shared';
import type { ListWatchState } from './list-watch.js';

export const listWatchStates: readonly ListWatchState[] = [
  'listing',
  'watching',
  'relisting',
  'backoff',
  'stopped',
];

export interface WatcherMetrics {
  registry: Registry;
  watchEvents: Counter<'resource' | 'type'>;
  watchRestarts: Counter<'resource' | 'reason'>;
  watchState: Gauge<'resource' | 'state'>;
  watchLastEventAge: Gauge<'resource'>;
  keysEnqueued: Counter<'reason'>;
  dedupHits: Counter;
  enqueueErrors: Counter;
  resyncs: Counter<'reason'>;
  isLeader: Gauge;
  /** Sets `isLeader`; the queue's gauges are exported by the leader only (one exporter cluster-wide). */
  setLeader(leading: boolean): void;
  knownSessions: Gauge;
}

export interface MetricsSources {
  watchAges: () => Iterable<[WatchedKind | string, number]>;
  knownSessions: () => number;
  /** The queue's figures (read at scrape time while this watcher holds the Lease). */
  queueStats: () => Promise<QueueStats>;
}

export function createWatcherMetrics(sources: MetricsSources, resources: readonly string[]): WatcherMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const m: WatcherMetrics = {
    setLeader: () => undefined,
    registry,
    watchEvents: new Counter({
      name: 'ambient_watcher_watch_events_total',
      help: 'Watch events received, by resource and type (bookmarks excluded).',
      labelNames: ['resource', 'type'],
      registers,
    }),
    watchRestarts: new Counter({
      name: 'ambient_watcher_watch_restarts_total',
      help: 'Watches restarted, by reason (gone = 410 relist, stalled, closed, error).',
      labelNames: ['resource', 'reason'],
      registers,
    }),
    watchState: new Gauge({
      name: 'ambient_watcher_watch_state',
      help: '1 for the current state of each list/watch loop.',
      labelNames: ['resource', 'state'],
      registers,
    }),
    watchLastEventAge: new Gauge({
      name: 'ambient_watcher_watch_age_seconds',
      help: 'Seconds since the API server last sent anything on the watch (event or bookmark).',
      labelNames: ['resource'],
      registers,
      collect() {
        for (const [resource, ageMs] of sources.watchAges()) this.set({ resource }, ageMs / 1000);
      },
    }),
    keysEnqueued: new Counter({
      name: 'ambient_watcher_keys_enqueued_total',
      help: 'Keys handed to the queue, by reason (event, resync, relist).',
      labelNames: ['reason'],
      registers,
    }),
    dedupHits: new Counter({
      name: 'ambient_watcher_dedup_hits_total',
      help: 'Enqueues merged into a job already waiting or running for the key.',
      registers,
    }),
    enqueueErrors: new Counter({
      name: 'ambient_watcher_enqueue_errors_total',
      help: 'Enqueues that failed (Redis unavailable); a resync follows once Redis answers.',
      registers,
    }),
    resyncs: new Counter({
      name: 'ambient_watcher_resyncs_total',
      help: 'Full resyncs of every key, by reason (start, leader, redis_data_lost, enqueue_failed, periodic).',
      labelNames: ['reason'],
      registers,
    }),
    isLeader: new Gauge({
      name: 'ambient_watcher_is_leader',
      help: '1 while this watcher holds the Lease.',
      registers,
    }),
    knownSessions: new Gauge({
      name: 'ambient_watcher_known_sessions',
      help: 'Session keys in the watcher index.',
      registers,
      collect() {
        this.set(sources.knownSessions());
      },
    }),
  };
  const queueGauges = createQueueGauges(registry, sources.queueStats);
  m.setLeader = (leading) => {
    m.isLeader.set(leading ? 1 : 0);
    queueGauges.exporting(leading);
  };
  for (const resource of resources) {
    for (const state of listWatchStates) m.watchState.set({ resource, state }, 0);
    for (const type of ['ADDED', 'MODIFIED', 'DELETED']) m.watchEvents.inc({ resource, type }, 0);
  }
  for (const reason of ['event', 'resync', 'relist']) m.keysEnqueued.inc({ reason }, 0);
  m.setLeader(false);
  return m;
}
