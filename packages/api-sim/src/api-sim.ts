import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type * as grpc from '@grpc/grpc-js';
import { ApiSimCore } from './core.js';
import type { RequestCounts } from './core.js';
import type { ApiSimFaults } from './faults.js';
import { bindGrpcServer, createGrpcServer } from './grpc-server.js';
import { loadSnapshot, saveSnapshot } from './persistence.js';
import { createRestServer } from './rest-server.js';
import type { ApiStore } from './store.js';

export interface ApiSimOptions {
  /** REST port; 0 picks a free one. @defaultValue 0 */
  httpPort?: number;
  /** gRPC port; 0 picks a free one. @defaultValue 0 */
  grpcPort?: number;
  /** Interface both listen on. @defaultValue '127.0.0.1' */
  host?: string;
  /** Bearer token required on both protocols; no auth when unset (as upstream without AMBIENT_API_TOKEN). */
  token?: string;
  /** State file: loaded at start if it exists, written on stop(). Nothing else is written. */
  dataFile?: string;
  /** Events buffered per watch stream for a slow client before events are dropped (upstream: 256). @defaultValue 256 */
  watchBufferSize?: number;
}

/** A running simulator. */
export interface ApiSim {
  /** REST base URL, e.g. `http://127.0.0.1:8000` (paths are under `/api/ambient/v1`). */
  url: string;
  /** gRPC address `host:port`. */
  grpcAddress: string;
  /** The data, for tests that arrange state directly (writes emit watch events as API writes do). */
  store: ApiStore;
  faults: ApiSimFaults;
  /** Calls served, by route (`rest PATCH /sessions/{id}/status`, `grpc SessionService/WatchSessions`). */
  requestCounts(): RequestCounts;
  resetRequestCounts(): void;
  /** Open watch streams per resource. */
  watchStreams(): Record<string, number>;
  /** Ends the streams gracefully, stops both servers and writes the data file. */
  stop(): Promise<void>;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function shutdownGrpc(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => server.tryShutdown(() => resolve()));
}

/** Starts an in-memory ambient-api-server (REST + gRPC) with upstream's semantics. */
export async function startApiSim(options: ApiSimOptions = {}): Promise<ApiSim> {
  const host = options.host ?? '127.0.0.1';
  const core = new ApiSimCore(options.token, options.watchBufferSize ?? 256);
  if (options.dataFile) {
    const snapshot = await loadSnapshot(options.dataFile);
    if (snapshot) core.store.restore(snapshot);
  }
  const rest = createRestServer(core);
  const grpcServer = createGrpcServer(core);
  const httpPort = await listen(rest, host, options.httpPort ?? 0);
  const grpcPort = await bindGrpcServer(grpcServer, host, options.grpcPort ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${httpPort}`,
    grpcAddress: `${urlHost}:${grpcPort}`,
    store: core.store,
    faults: core.faults,
    requestCounts: () => core.requestCounts(),
    resetRequestCounts: () => core.resetRequestCounts(),
    watchStreams: () => core.watchHub.counts(),
    stop: () =>
      (stopped ??= (async () => {
        core.watchHub.closeAll();
        await Promise.all([
          shutdownGrpc(grpcServer),
          new Promise<void>((resolve) => {
            rest.close(() => resolve());
            rest.closeAllConnections();
          }),
        ]);
        if (options.dataFile) await saveSnapshot(options.dataFile, core.store.snapshot());
      })()),
  };
}
