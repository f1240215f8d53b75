import * as grpc from '@grpc/grpc-js';
import type { ApiResource, ProtoTimestamp } from '@ambient-operator/api-contract';
import { API_RESOURCES, timestampToIso } from '@ambient-operator/api-contract';
import { loadAmbientServices } from '@ambient-operator/api-contract/proto';
import { apiObjectSchema } from './api-client.js';
import type { ApiObjects } from './api-client.js';

export type ApiWatchEventType = 'CREATED' | 'UPDATED' | 'DELETED';

/** One watch event in REST shape. `object` is absent on DELETED, and when the object failed its schema. */
export interface ApiWatchEvent<R extends ApiResource = ApiResource> {
  resource: R;
  type: ApiWatchEventType;
  id: string;
  object?: ApiObjects[R];
  /** Why `object` is missing on a CREATED/UPDATED event. */
  problem?: string;
}

export interface ApiWatchOptions<R extends ApiResource> {
  resource: R;
  /** `host:port`. */
  address: string;
  token: string;
  useTls?: boolean;
  onEvent: (event: ApiWatchEvent<R>) => void;
  signal: AbortSignal;
}

/** How a stream ended: cancelled by us, closed by the server (OK), or failed (with the gRPC status). */
export type ApiWatchEnd =
  { reason: 'aborted' } | { reason: 'closed' } | { reason: 'error'; code: number; details: string };

/** A proto message in the REST object's shape: `metadata` flattened, Timestamps as RFC 3339 µs. */
export function messageToRestObject(message: Record<string, unknown>): Record<string, unknown> {
  const { metadata, ...fields } = message;
  const meta = (metadata ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {
    id: meta.id,
    kind: meta.kind,
    href: meta.href,
  };
  if (meta.created_at) out.created_at = timestampToIso(meta.created_at as ProtoTimestamp);
  if (meta.updated_at) out.updated_at = timestampToIso(meta.updated_at as ProtoTimestamp);
  for (const [key, value] of Object.entries(fields)) {
    const isTimestamp = typeof value === 'object' && value !== null && 'seconds' in value;
    out[key] = isTimestamp ? timestampToIso(value as ProtoTimestamp) : value;
  }
  return out;
}

let sharedClients = new Map<string, grpc.Client>();

/** One gRPC channel per (address, TLS, resource) for the process, as one HTTP agent per process. */
function clientFor(resource: ApiResource, address: string, useTls: boolean): grpc.Client {
  const key = `${resource}|${address}|${useTls}`;
  let client = sharedClients.get(key);
  if (!client) {
    const Ctor = loadAmbientServices()[resource];
    client = new Ctor(address, useTls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure());
    sharedClients.set(key, client);
  }
  return client;
}

/** Closes the process's gRPC channels (at shutdown). */
export function closeApiWatchClients(): void {
  for (const client of sharedClients.values()) client.close();
  sharedClients = new Map();
}

/**
 * Opens one watch stream (no reconnect: the caller owns backoff and relists). Resolves when the stream
 * has ended, however it ended. `opened` fires once the server has sent its response headers.
 */
export function watchApiResource<R extends ApiResource>(
  options: ApiWatchOptions<R>,
  opened?: () => void,
): Promise<ApiWatchEnd> {
  const { resource, signal } = options;
  if (signal.aborted) return Promise.resolve({ reason: 'aborted' });
  const client = clientFor(resource, options.address, options.useTls ?? false);
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${options.token}`);
  const method = `Watch${API_RESOURCES[resource].pluralRpc}`;
  const start = (
    client as unknown as Record<
      string,
      (req: unknown, md: grpc.Metadata) => grpc.ClientReadableStream<Record<string, unknown>>
    >
  )[method]!;
  const call = start.call(client, {}, metadata);
  const schema = apiObjectSchema(resource);
  const field = API_RESOURCES[resource].eventField;
  return new Promise<ApiWatchEnd>((resolve) => {
    let done = false;
    const finish = (end: ApiWatchEnd) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      resolve(end);
    };
    const onAbort = () => {
      call.cancel();
      finish({ reason: 'aborted' });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    call.on('metadata', () => opened?.());
    call.on('data', (message: Record<string, unknown>) => {
      const type = String(message.type ?? '').replace(/^EVENT_TYPE_/, '') as ApiWatchEventType;
      const id = String(message.resource_id ?? '');
      if (!['CREATED', 'UPDATED', 'DELETED'].includes(type) || id === '') return;
      const event: ApiWatchEvent<R> = { resource, type, id };
      const payload = message[field];
      if (type !== 'DELETED' && payload && typeof payload === 'object') {
        const parsed = schema.safeParse(messageToRestObject(payload as Record<string, unknown>));
        if (parsed.success) event.object = parsed.data;
        else event.problem = parsed.error.message;
      }
      options.onEvent(event);
    });
    call.on('error', (err: grpc.ServiceError) => {
      if (signal.aborted) finish({ reason: 'aborted' });
      else finish({ reason: 'error', code: err.code, details: err.details });
    });
    call.on('status', (status: grpc.StatusObject) => {
      if (status.code === grpc.status.OK) finish({ reason: 'closed' });
    });
  });
}
