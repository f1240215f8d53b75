import type { ServerResponse } from 'node:http';
import type { Representation } from './content-negotiation.js';
import { encodeObject } from './encoded-json.js';
import { gone } from './errors.js';
import type { ResourceApi } from './resource-api.js';
import type { ResourceType } from './resource-registry.js';
import type { FieldSelector, LabelSelector } from './selectors.js';
import { matchesFields, matchesLabels } from './selectors.js';
import type { StoreEvent } from './store.js';
import { partialObjectMetadata, toTable } from './tables.js';
import type { KubeObject } from './types.js';

export interface WatchRequest {
  type: ResourceType;
  version: string;
  namespace: string | undefined;
  labelSelector: LabelSelector;
  fieldSelector: FieldSelector;
  /** Absent or "0": start with synthetic ADDED events for the current state. */
  resourceVersion: string | undefined;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean | undefined;
  timeoutSeconds: number | undefined;
  representation: Representation;
}

export interface WatchHubOptions {
  /** How often BOOKMARK events are sent to watches that allow them. @defaultValue 5000 */
  bookmarkIntervalMs: number;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

class WatchStream {
  private unsubscribe: (() => void) | undefined;
  private timers: NodeJS.Timeout[] = [];
  private headersSent = false;
  private closed = false;
  /** Events written since the last flush wait in the socket (corked) until the event loop's check phase. */
  private corked = false;

  constructor(
    private readonly hub: WatchHub,
    private readonly request: WatchRequest,
    private readonly response: ServerResponse,
  ) {}

  start(): void {
    const { request, hub } = this;
    const api = hub.api;
    const rv = request.resourceVersion;
    const initialState = rv === undefined || rv === '' || rv === '0' || request.sendInitialEvents === true;
    let replay: StoreEvent[] = [];
    if (!initialState) {
      const fromRv = Number(rv);
      const events = Number.isFinite(fromRv) ? api.store.eventsSince(fromRv, request.type.id) : undefined;
      if (!events) {
        this.writeHeaders();
        this.send(
          'ERROR',
          gone(
            `too old resource version: ${rv} (${api.store.resourceVersion})`,
          ).toStatus() as unknown as KubeObject,
        );
        this.close();
        return;
      }
      replay = events;
    }
    this.writeHeaders();
    if (initialState) {
      for (const [, object] of api.store.iterate(
        request.type.id,
        request.type.namespaced ? request.namespace : undefined,
      )) {
        if (this.matches(object)) this.send('ADDED', object);
      }
      if (request.sendInitialEvents && request.allowWatchBookmarks) {
        this.sendBookmark({ 'k8s.io/initial-events-end': 'true' });
      }
    }
    for (const event of replay) this.onEvent(event);
    this.unsubscribe = api.store.subscribe((event) => {
      if (event.resourceId === request.type.id) this.onEvent(event);
    });
    if (request.allowWatchBookmarks) {
      const timer = setInterval(() => this.sendBookmark(), hub.options.bookmarkIntervalMs);
      timer.unref();
      this.timers.push(timer);
    }
    if (request.timeoutSeconds !== undefined && request.timeoutSeconds > 0) {
      const timer = setTimeout(() => this.close(), request.timeoutSeconds * 1000);
      timer.unref();
      this.timers.push(timer);
    }
    this.response.on('close', () => this.close());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const t of this.timers) clearTimeout(t);
    this.hub.forget(this);
    if (!this.response.writableEnded) this.response.end();
  }

  private matches(object: KubeObject): boolean {
    const { request } = this;
    if (request.type.namespaced && request.namespace && object.metadata.namespace !== request.namespace)
      return false;
    if (request.labelSelector.length && !matchesLabels(request.labelSelector, object.metadata.labels))
      return false;
    if (request.fieldSelector.length && !matchesFields(request.fieldSelector, object)) return false;
    return true;
  }

  /** Selector-aware translation: an object leaving the selection is DELETED, entering it is ADDED. */
  private onEvent(event: StoreEvent): void {
    const now = this.matches(event.object);
    const before = event.oldObject ? this.matches(event.oldObject) : false;
    if (event.type === 'ADDED') {
      if (now) this.send('ADDED', event.object);
    } else if (event.type === 'DELETED') {
      if (before || now) this.send('DELETED', event.object);
    } else if (now && before) this.send('MODIFIED', event.object);
    else if (now) this.send('ADDED', event.object);
    else if (before) this.send('DELETED', event.object);
  }

  private writeHeaders(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.response.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    this.response.flushHeaders();
  }

  private sendBookmark(annotations?: Record<string, string>): void {
    const { type, version } = this.request;
    const apiVersion = type.group ? `${type.group}/${version}` : version;
    const metadata: Record<string, unknown> = { resourceVersion: String(this.hub.api.store.resourceVersion) };
    if (annotations) metadata.annotations = annotations;
    this.send('BOOKMARK', { kind: type.kind, apiVersion, metadata } as KubeObject);
  }

  private tableHeadersSent = false;

  private send(type: EventType, object: KubeObject): void {
    if (this.closed || this.hub.stalled) return;
    const { representation, type: resource, version } = this.request;
    let body: string;
    if (type === 'ERROR' || type === 'BOOKMARK') body = JSON.stringify(object);
    else if (representation.kind === 'metadata') body = JSON.stringify(partialObjectMetadata(object));
    else if (representation.kind === 'table') {
      body = JSON.stringify(
        toTable(resource, [this.hub.api.present(resource, object, version)], {
          includeObject: representation.includeObject,
          version,
          noHeaders: this.tableHeadersSent,
        }),
      );
      this.tableHeadersSent = true;
    } else if (version === resource.storageVersion) body = encodeObject(object);
    else body = JSON.stringify(this.hub.api.present(resource, object, version));
    // A burst writes many events per loop turn: one syscall for them all, not one each.
    if (!this.corked) {
      this.corked = true;
      this.response.cork();
      setImmediate(() => {
        this.corked = false;
        this.response.uncork();
      });
    }
    this.response.write(`{"type":"${type}","object":${body}}\n`);
    this.hub.eventsSent++;
  }
}

/** All open watch streams: opens them, and lets faults close or stall them. */
export class WatchHub {
  private readonly streams = new Set<WatchStream>();
  /** While true, streams stay open but nothing is written (events and bookmarks are lost). */
  stalled = false;
  /** Watch events written so far (for benchmarks). */
  eventsSent = 0;

  constructor(
    readonly api: ResourceApi,
    readonly options: WatchHubOptions,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  open(request: WatchRequest, response: ServerResponse): void {
    const stream = new WatchStream(this, request, response);
    this.streams.add(stream);
    stream.start();
  }

  forget(stream: WatchStream): void {
    this.streams.delete(stream);
  }

  /** Ends every open watch normally (clients resume from their last resourceVersion). */
  closeAll(): number {
    const streams = [...this.streams];
    for (const s of streams) s.close();
    return streams.length;
  }
}
