import type { ApiResource } from '@ambient-operator/api-contract';
import { ApiSimError } from './errors.js';

/** The operation a call performs, on either protocol. */
export type ApiOperation =
  'list' | 'get' | 'create' | 'update' | 'delete' | 'status' | 'start' | 'stop' | 'watch';

export interface ApiCall {
  protocol: 'rest' | 'grpc';
  operation: ApiOperation;
  resource?: ApiResource;
}

/** Deterministic failure of the next matching calls. */
export interface FailNextOptions {
  /** HTTP status to answer (gRPC calls get the mapped code: 400 → INVALID_ARGUMENT, 503 → UNAVAILABLE, …). */
  status: number;
  /** How many matching calls fail. @defaultValue 1 */
  count?: number;
  /** Only calls over this protocol. */
  protocol?: 'rest' | 'grpc';
  /** Only this operation (a watch counts when it is opened). */
  operation?: ApiOperation;
  /** Only calls on this resource. */
  resource?: ApiResource;
}

/** What the fault injector acts on; provided by the running simulator. */
export interface FaultTargets {
  /** Ends every open watch stream with UNAVAILABLE; returns how many were ended. */
  dropStreams(): number;
}

export interface FaultSettings {
  /** Delay before each REST or unary gRPC call is served (and before a watch opens), in ms. @defaultValue 0 */
  latencyMs: number;
  /** Delay of one operation's calls instead of `latencyMs` (e.g. `{ status: 500 }`: slow write-backs). */
  operationLatencyMs: Partial<Record<ApiOperation, number>>;
  /** While on, every watch is ended and new watches fail with UNAVAILABLE (a broker outage). @defaultValue false */
  streamOutage: boolean;
  /**
   * The next this many watch events are dropped unsent on every stream, as the broker drops a slow client's
   * (counted in `droppedEvents`; the streams stay open). @defaultValue 0
   */
  dropWatchEvents: number;
}

/** Fault injection, from tests (`sim.faults`) and over HTTP (`POST /sim/faults`). */
export class ApiSimFaults {
  latencyMs = 0;
  operationLatencyMs: Partial<Record<ApiOperation, number>> = {};
  streamOutage = false;
  dropWatchEvents = 0;
  private rules: Array<FailNextOptions & { count: number }> = [];

  constructor(private readonly targets: FaultTargets) {}

  settings(): FaultSettings & { pendingFailures: number } {
    return {
      latencyMs: this.latencyMs,
      operationLatencyMs: { ...this.operationLatencyMs },
      streamOutage: this.streamOutage,
      dropWatchEvents: this.dropWatchEvents,
      pendingFailures: this.rules.reduce((n, r) => n + r.count, 0),
    };
  }

  /** Delay of every call, or of `operation`'s calls only. */
  setLatency(ms: number, operation?: ApiOperation): void {
    if (operation) this.operationLatencyMs[operation] = Math.max(0, ms);
    else this.latencyMs = Math.max(0, ms);
  }

  latencyFor(operation: ApiOperation | undefined): number {
    return (operation && this.operationLatencyMs[operation]) ?? this.latencyMs;
  }

  failNext(options: FailNextOptions): void {
    this.rules.push({ ...options, count: options.count ?? 1 });
  }

  dropStreams(): number {
    return this.targets.dropStreams();
  }

  /** Starts or ends a stream outage; starting one drops every open stream. */
  setStreamOutage(on: boolean): number {
    this.streamOutage = on;
    return on ? this.targets.dropStreams() : 0;
  }

  reset(): void {
    this.latencyMs = 0;
    this.operationLatencyMs = {};
    this.streamOutage = false;
    this.dropWatchEvents = 0;
    this.rules = [];
  }

  /** Whether the store event being dispatched now is dropped (consumes one of `dropWatchEvents`). */
  dropsWatchEvent(): boolean {
    if (this.dropWatchEvents <= 0) return false;
    this.dropWatchEvents--;
    return true;
  }

  /** The failure to answer a call with, if any (consumes one count of the first matching rule). */
  failureFor(call: ApiCall): ApiSimError | undefined {
    if (call.operation === 'watch' && this.streamOutage)
      return new ApiSimError(9, 503, 'api-sim: stream outage');
    const rule = this.rules.find(
      (r) =>
        (!r.protocol || r.protocol === call.protocol) &&
        (!r.operation || r.operation === call.operation) &&
        (!r.resource || r.resource === call.resource),
    );
    if (!rule) return undefined;
    rule.count--;
    if (rule.count <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
    return ApiSimError.injected(rule.status);
  }
}
