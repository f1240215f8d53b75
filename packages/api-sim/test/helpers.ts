import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach } from 'vitest';
import type { ApiResource } from '@ambient-operator/api-contract';
import { AMBIENT_API_BASE_PATH } from '@ambient-operator/api-contract';
import { loadAmbientServices } from '@ambient-operator/api-contract/proto';
import { startApiSim } from '@ambient-operator/api-sim';
import type { ApiSim } from '@ambient-operator/api-sim';

export const TOKEN = 'test-token-0123456789abcdef';

/** Starts a fresh api-sim (token required) before each test and stops it after. */
export function useApiSim(): { sim: () => ApiSim } {
  let sim: ApiSim | undefined;
  beforeEach(async () => {
    sim = await startApiSim({ token: TOKEN });
  });
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });
  return { sim: () => sim! };
}

export interface RestReply {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

/** One REST call with the test token (pass `token: null` for none). */
export async function rest(
  sim: ApiSim,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TOKEN,
): Promise<RestReply> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${sim.url}${path.startsWith('/sim/') ? '' : AMBIENT_API_BASE_PATH}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  if (res.headers.get('content-type')?.includes('json')) parsed = JSON.parse(text) as Record<string, unknown>;
  return { status: res.status, body: parsed, text };
}

export function grpcClient(sim: ApiSim, resource: ApiResource): grpc.Client {
  const Ctor = loadAmbientServices()[resource];
  return new Ctor(sim.grpcAddress, grpc.credentials.createInsecure());
}

export function authMetadata(token: string = TOKEN): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  callback: (err: grpc.ServiceError | null, response: Record<string, unknown>) => void,
) => void;

/** Calls one unary RPC; rejects with the ServiceError. */
export function unary(
  client: grpc.Client,
  method: string,
  request: unknown,
  metadata: grpc.Metadata = authMetadata(),
): Promise<Record<string, unknown>> {
  const fn = (client as unknown as Record<string, UnaryMethod>)[method]!;
  return new Promise((resolve, reject) => {
    fn.call(client, request, metadata, (err, response) => (err ? reject(err) : resolve(response)));
  });
}

export interface WatchRecorder {
  events: Array<Record<string, unknown>>;
  ended: Promise<grpc.StatusObject | grpc.ServiceError>;
  /** Resolves when `count` events have arrived. */
  waitFor(count: number): Promise<void>;
  cancel(): void;
}

/** Opens a watch and records its events. */
export function watch(
  client: grpc.Client,
  method: string,
  metadata: grpc.Metadata = authMetadata(),
): WatchRecorder {
  const fn = (
    client as unknown as Record<
      string,
      (req: unknown, md: grpc.Metadata) => grpc.ClientReadableStream<Record<string, unknown>>
    >
  )[method]!;
  const call = fn.call(client, {}, metadata);
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  call.on('data', (event: Record<string, unknown>) => {
    events.push(event);
    for (const w of waiters.filter((w) => events.length >= w.count)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  const ended = new Promise<grpc.StatusObject | grpc.ServiceError>((resolve) => {
    call.on('error', (err: grpc.ServiceError) => resolve(err));
    call.on('status', (status: grpc.StatusObject) => {
      if (status.code === grpc.status.OK) resolve(status);
    });
  });
  return {
    events,
    ended,
    waitFor: (count) =>
      events.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    cancel: () => call.cancel(),
  };
}

/** Resolves once the simulator has registered `count` streams for the resource (a watch is open server-side). */
export async function streamsOpen(sim: ApiSim, resource: ApiResource, count = 1): Promise<void> {
  while (sim.watchStreams()[resource]! < count) await new Promise((r) => setTimeout(r, 10));
}
