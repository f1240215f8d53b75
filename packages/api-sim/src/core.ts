import { setTimeout as sleep } from 'node:timers/promises';
import { ApiSimFaults, type ApiOperation } from './faults.js';
import { ApiStore } from './store.js';
import { WatchHub } from './watch-hub.js';

/** Calls served, by protocol, method and route template (e.g. `PATCH /sessions/{id}/status`). */
export type RequestCounts = Record<string, number>;

/** What both protocol front-ends share: the data, the streams, auth, faults and request counts. */
export class ApiSimCore {
  readonly store = new ApiStore();
  readonly watchHub: WatchHub;
  readonly faults: ApiSimFaults;
  private readonly requests = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly token: string | undefined,
    watchBufferSize: number,
  ) {
    this.watchHub = new WatchHub(this.store, watchBufferSize, () => this.faults.dropsWatchEvent());
    this.faults = new ApiSimFaults({ dropStreams: () => this.watchHub.dropAll() });
  }

  /**
   * Auth applies only when a token is configured: `Authorization: Bearer <token>` (scheme
   * case-insensitive, token exact), or `X-Forwarded-Access-Token: <token>` when Authorization is absent.
   */
  authorized(authorization: string | undefined, forwardedToken: string | undefined): boolean {
    if (this.token === undefined) return true;
    if (authorization !== undefined) {
      const match = /^bearer\s+(.+)$/i.exec(authorization.trim());
      return match !== null && match[1] === this.token;
    }
    return forwardedToken === this.token;
  }

  count(route: string): void {
    this.requests.set(route, (this.requests.get(route) ?? 0) + 1);
  }

  requestCounts(): RequestCounts {
    return Object.fromEntries(this.requests);
  }

  /** Runs one call of `route`, counted as in flight (received, not yet answered) meanwhile. */
  async serving<T>(route: string, serve: () => Promise<T>): Promise<T> {
    this.inFlight.set(route, (this.inFlight.get(route) ?? 0) + 1);
    try {
      return await serve();
    } finally {
      const left = (this.inFlight.get(route) ?? 1) - 1;
      if (left > 0) this.inFlight.set(route, left);
      else this.inFlight.delete(route);
    }
  }

  /** Calls received and not yet answered, by route (a write held by injected latency counts). */
  inFlightCounts(): RequestCounts {
    return Object.fromEntries(this.inFlight);
  }

  /** Zeroes the request counts and the per-session status-write counts. */
  resetRequestCounts(): void {
    this.requests.clear();
    this.store.resetStatusWrites();
  }

  async delay(operation: ApiOperation | undefined): Promise<void> {
    const ms = this.faults.latencyFor(operation);
    if (ms > 0) await sleep(ms);
  }
}
