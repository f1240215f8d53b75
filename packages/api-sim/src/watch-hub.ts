import type { ServerWritableStream } from '@grpc/grpc-js';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import type { ApiResource } from '@ambient-operator/api-contract';
import { API_RESOURCES, API_RESOURCE_NAMES } from '@ambient-operator/api-contract';
import { toMessage } from './grpc-messages.js';
import type { ApiStore, StoreEvent } from './store.js';

type WatchCall = ServerWritableStream<unknown, Record<string, unknown>>;

interface Stream {
  resource: ApiResource;
  call: WatchCall;
  pending: StoreEvent[];
  /** Waiting for 'drain' after a write returned false. */
  blocked: boolean;
}

/**
 * The watch streams, as upstream's broker: each stream buffers up to `bufferSize` events while its
 * client is slow and silently drops the rest; CREATED/UPDATED are re-read at send time (the latest
 * object, or skipped if it is gone), DELETED carries only the id. No resume, no replay.
 */
export class WatchHub {
  private readonly streams = new Set<Stream>();
  private droppedEvents = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: ApiStore,
    private readonly bufferSize: number,
    /** A fault: whether the event being dispatched is dropped on every stream. */
    private readonly dropsEvent: () => boolean = () => false,
  ) {
    this.unsubscribe = store.onEvent((event) => this.dispatch(event));
  }

  /** Serves one watch call until the client cancels or the stream is dropped. */
  open(resource: ApiResource, call: WatchCall): void {
    const stream: Stream = { resource, call, pending: [], blocked: false };
    this.streams.add(stream);
    // Headers now, so a client knows the stream is registered before its first event (and can relist).
    call.sendMetadata(new Metadata());
    const remove = () => this.streams.delete(stream);
    call.on('cancelled', remove);
    call.on('close', remove);
    call.on('error', remove);
  }

  counts(): Record<ApiResource, number> {
    const counts = Object.fromEntries(API_RESOURCE_NAMES.map((r) => [r, 0])) as Record<ApiResource, number>;
    for (const s of this.streams) counts[s.resource]++;
    return counts;
  }

  dropped(): number {
    return this.droppedEvents;
  }

  /** Ends every stream with UNAVAILABLE, as a server restart does. */
  dropAll(): number {
    const all = [...this.streams];
    this.streams.clear();
    // grpc-js sends an 'error' emitted on a server stream as the call's final status.
    for (const s of all)
      s.call.emit('error', { code: GrpcStatus.UNAVAILABLE, details: 'api-sim: stream dropped' });
    return all.length;
  }

  /** Ends every stream with OK (a graceful shutdown). */
  closeAll(): void {
    const all = [...this.streams];
    this.streams.clear();
    for (const s of all) s.call.end();
    this.unsubscribe();
  }

  private dispatch(event: StoreEvent): void {
    if (this.dropsEvent()) {
      this.droppedEvents += [...this.streams].filter((s) => s.resource === event.resource).length;
      return;
    }
    for (const stream of this.streams) {
      if (stream.resource !== event.resource) continue;
      if (stream.pending.length >= this.bufferSize) {
        this.droppedEvents++;
        continue;
      }
      stream.pending.push(event);
      if (stream.pending.length === 1 && !stream.blocked) queueMicrotask(() => this.flush(stream));
    }
  }

  private flush(stream: Stream): void {
    while (stream.pending.length > 0 && !stream.blocked && this.streams.has(stream)) {
      const event = stream.pending.shift()!;
      const message = this.messageFor(stream.resource, event);
      if (!message) continue;
      if (!stream.call.write(message)) {
        stream.blocked = true;
        stream.call.once('drain', () => {
          stream.blocked = false;
          this.flush(stream);
        });
      }
    }
  }

  private messageFor(resource: ApiResource, event: StoreEvent): Record<string, unknown> | undefined {
    const base = { type: `EVENT_TYPE_${event.type}`, resource_id: event.id };
    if (event.type === 'DELETED') return base;
    const obj = this.store.find(resource, event.id);
    if (!obj) return undefined;
    return { ...base, [API_RESOURCES[resource].eventField]: toMessage(resource, obj) };
  }
}
