import { createHash } from 'node:crypto';
import type { ObjectStore, StoreEvent } from '../store.js';
import type { KubeObject } from '../types.js';
import { isPlainObject } from '../types.js';

const EVENTS_V1 = 'events.k8s.io/events';
const CORE_EVENTS = '/events';

/**
 * The core/v1 view of an events.k8s.io/v1 Event, field for field as the API server converts them
 * (`regarding` → `involvedObject`, `note` → `message`, `reportingController` → `reportingComponent`,
 * `deprecated*` → the old fields). `kubectl describe` lists core/v1 Events by `involvedObject.*`.
 */
export function toCoreEvent(event: KubeObject): KubeObject {
  const { metadata, apiVersion: _a, kind: _k, ...rest } = event;
  const { resourceVersion: _rv, uid, managedFields: _mf, ...meta } = metadata;
  const field = (name: string): unknown => rest[name];
  const core: Record<string, unknown> = {
    apiVersion: 'v1',
    kind: 'Event',
    // A uid of its own (derived, so it is stable across updates): the store indexes objects by uid.
    metadata: { ...meta, uid: uid ? mirrorUid(uid) : undefined },
    involvedObject: field('regarding') ?? {},
    related: field('related'),
    reason: field('reason'),
    message: field('note'),
    source: field('deprecatedSource') ?? {},
    firstTimestamp: field('deprecatedFirstTimestamp') ?? null,
    lastTimestamp: field('deprecatedLastTimestamp') ?? null,
    count: field('deprecatedCount'),
    type: field('type'),
    eventTime: field('eventTime') ?? null,
    series: field('series'),
    action: field('action'),
    reportingComponent: field('reportingController') ?? '',
    reportingInstance: field('reportingInstance') ?? '',
  };
  for (const [key, value] of Object.entries(core)) if (value === undefined) delete core[key];
  return core as KubeObject;
}

function mirrorUid(uid: string): string {
  const hex = createHash('sha256').update(`core-event/${uid}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A real API server stores an Event once and serves it under both core/v1 and events.k8s.io/v1.
 * kube-sim keeps separate buckets, so this controller mirrors every events.k8s.io/v1 write into the
 * core/v1 bucket (same namespace and name). One-way: core/v1 writes are not mirrored back.
 */
export class EventMirror {
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly store: ObjectStore) {}

  start(): void {
    this.unsubscribe = this.store.subscribe((event) => this.onEvent(event));
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private onEvent(event: StoreEvent): void {
    if (event.resourceId !== EVENTS_V1 || !isPlainObject(event.object.metadata)) return;
    const { namespace, name = '' } = event.object.metadata;
    const existing = this.store.get(CORE_EVENTS, namespace, name);
    if (event.type === 'DELETED') {
      if (existing) this.store.delete(CORE_EVENTS, existing);
      return;
    }
    const core = toCoreEvent(event.object);
    if (existing) this.store.update(CORE_EVENTS, core);
    else this.store.create(CORE_EVENTS, core);
  }
}
