// Metrics of the ambient-api-server source, on the watcher's registry. In MODE=test they are the product:
// exact counts of events per resource and type (the tally upstream's test mode logged). The dashboard's
// /api-source page reads the stream state from them (api-source-status.ts there): keep the names in step.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ApiSourceActivity } from './api-source.js';

const RESOURCES = ['sessions', 'projects', 'project_settings'] as const;
const EVENT_TYPES = ['CREATED', 'UPDATED', 'DELETED'] as const;
/** Characters of an error message kept in the last-error label. */
const MAX_ERROR_LABEL = 200;

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
    help: 'ambient-api-server full lists, per resource and reason (connect, periodic, catch_up)',
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
  const lastRelist = new Gauge({
    name: 'ambient_watcher_api_last_relist_timestamp_seconds',
    help: 'when the last full list of the resource completed (unix seconds)',
    labelNames: ['resource'],
    registers,
  });
  const reconnects = new Counter({
    name: 'ambient_watcher_api_reconnects_total',
    help: 'ambient-api-server watch streams ended and reopened, per resource',
    labelNames: ['resource'],
    registers,
  });
  const lastError = new Gauge({
    name: 'ambient_watcher_api_last_error_timestamp_seconds',
    help: 'when the last list or watch failure of the resource happened (unix seconds); its stage and message as labels, one series per resource',
    labelNames: ['resource', 'stage', 'message'],
    registers,
  });
  // The message is a label, so only the newest error of a resource is kept: one series per resource.
  const lastErrorLabels = new Map<string, { resource: string; stage: string; message: string }>();
  function recordLastError(resource: string, stage: string, message: string): void {
    const previous = lastErrorLabels.get(resource);
    if (previous) lastError.remove(previous);
    const labels = { resource, stage, message: message.slice(0, MAX_ERROR_LABEL) };
    lastErrorLabels.set(resource, labels);
    lastError.set(labels, Date.now() / 1000);
  }
  const counts = new Map<string, number>();
  for (const resource of RESOURCES) {
    connected.set({ resource }, 0);
    reconnects.inc({ resource }, 0);
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
          lastRelist.set({ resource }, Date.now() / 1000);
          return;
        case 'connected':
          connected.set({ resource }, activity.connected ? 1 : 0);
          return;
        case 'reconnect':
          reconnects.inc({ resource });
          return;
        case 'error':
          errors.inc({ resource, stage: activity.stage });
          recordLastError(resource, activity.stage, activity.message);
          return;
      }
    },
    tally: () => Object.fromEntries(counts),
  };
}
