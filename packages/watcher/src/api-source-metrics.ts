// Metrics of the ambient-api-server source, on the watcher's registry. In MODE=test they are the product:
// exact counts of events per resource and type (the tally upstream's test mode logged).
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ApiSourceActivity } from './api-source.js';

const RESOURCES = ['sessions', 'projects', 'project_settings'] as const;
const EVENT_TYPES = ['CREATED', 'UPDATED', 'DELETED'] as const;

export interface ApiSourceMetrics {
  /** Feed the source's activity here. */
  record(activity: ApiSourceActivity): void;
  /** Events counted so far, `resource/type` → count (for the test-mode log line). */
  tally(): Record<string, number>;
}

export function createApiSourceMetrics(registry: Registry): ApiSourceMetrics {
  const registers = [registry];
  const events = new Counter({
    name: 'ambient_watcher_api_events_total',
    help: 'ambient-api-server watch events received, per resource and type',
    labelNames: ['resource', 'type'],
    registers,
  });
  const relists = new Counter({
    name: 'ambient_watcher_api_relists_total',
    help: 'ambient-api-server full lists, per resource and reason (connect, periodic)',
    labelNames: ['resource', 'reason'],
    registers,
  });
  const errors = new Counter({
    name: 'ambient_watcher_api_errors_total',
    help: 'ambient-api-server list or watch failures, per resource and stage',
    labelNames: ['resource', 'stage'],
    registers,
  });
  const connected = new Gauge({
    name: 'ambient_watcher_api_stream_connected',
    help: '1 while the gRPC watch stream of the resource is open',
    labelNames: ['resource'],
    registers,
  });
  const lastEvent = new Gauge({
    name: 'ambient_watcher_api_last_event_timestamp_seconds',
    help: 'when the last watch event of the resource arrived (unix seconds)',
    labelNames: ['resource'],
    registers,
  });
  const counts = new Map<string, number>();
  for (const resource of RESOURCES) {
    connected.set({ resource }, 0);
    for (const type of EVENT_TYPES) {
      events.inc({ resource, type }, 0);
      counts.set(`${resource}/${type}`, 0);
    }
  }
  return {
    record(activity) {
      const { resource } = activity;
      switch (activity.kind) {
        case 'event':
          events.inc({ resource, type: activity.type });
          counts.set(`${resource}/${activity.type}`, (counts.get(`${resource}/${activity.type}`) ?? 0) + 1);
          lastEvent.set({ resource }, Date.now() / 1000);
          return;
        case 'relist':
          relists.inc({ resource, reason: activity.reason });
          return;
        case 'connected':
          connected.set({ resource }, activity.connected ? 1 : 0);
          return;
        case 'error':
          errors.inc({ resource, stage: activity.stage });
          return;
      }
    },
    tally: () => Object.fromEntries(counts),
  };
}
