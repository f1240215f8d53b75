import { ApiError, internalError, tooManyRequests } from './errors.js';
import type { KubeObject } from './types.js';

/** Fault settings that apply to every resource request (not discovery, not `/sim`). */
export interface FaultSettings {
  /** Delay added before each resource request is served, in milliseconds. @defaultValue 0 */
  latencyMs: number;
  /** Probability (0..1) that a request fails with 500 InternalError. @defaultValue 0 */
  errorRate500: number;
  /** Probability (0..1) that a request fails with 429 TooManyRequests. @defaultValue 0 */
  errorRate429: number;
  /** Retry-After (seconds) sent with 429 responses. @defaultValue 1 */
  retryAfterSeconds: number;
}

/** Deterministic failure of the next matching requests. */
export interface FailNextOptions {
  /** HTTP status to answer: 500 or 429 (with Retry-After), or any other 4xx/5xx. */
  status: number;
  /** How many matching requests fail. @defaultValue 1 */
  count?: number;
  /** Only requests with this verb (get, list, watch, create, update, patch, delete, deletecollection). */
  verb?: string;
  /** Only requests for this resource (plural, e.g. `agenticsessions`). */
  resource?: string;
}

/** What the fault injector acts on; provided by the running simulator. */
export interface FaultTargets {
  closeAllWatches(): number;
  setWatchesStalled(on: boolean): void;
  evictPod(namespace: string, name: string, message?: string): KubeObject;
  deletePod(namespace: string, name: string, gracePeriodSeconds?: number): void;
  compactHistory(): void;
}

export const DEFAULT_FAULTS: FaultSettings = {
  latencyMs: 0,
  errorRate500: 0,
  errorRate429: 0,
  retryAfterSeconds: 1,
};

/** Fault injection, usable from tests (`sim.faults`) and over HTTP (`/sim/faults`). */
export class Faults implements FaultSettings {
  latencyMs = 0;
  errorRate500 = 0;
  errorRate429 = 0;
  retryAfterSeconds = 1;
  private failNextRules: Array<Required<Pick<FailNextOptions, 'status' | 'count'>> & FailNextOptions> = [];
  private stalled = false;

  constructor(private readonly targets: FaultTargets) {}

  /** Updates some settings at once. */
  configure(settings: Partial<FaultSettings>): void {
    if (settings.latencyMs !== undefined) this.latencyMs = Math.max(0, settings.latencyMs);
    if (settings.errorRate500 !== undefined)
      this.errorRate500 = Math.min(1, Math.max(0, settings.errorRate500));
    if (settings.errorRate429 !== undefined)
      this.errorRate429 = Math.min(1, Math.max(0, settings.errorRate429));
    if (settings.retryAfterSeconds !== undefined)
      this.retryAfterSeconds = Math.max(0, settings.retryAfterSeconds);
  }

  settings(): FaultSettings & { watchesStalled: boolean } {
    return {
      latencyMs: this.latencyMs,
      errorRate500: this.errorRate500,
      errorRate429: this.errorRate429,
      retryAfterSeconds: this.retryAfterSeconds,
      watchesStalled: this.stalled,
    };
  }

  /** Makes the next `count` matching requests fail with `status`. */
  failNext(options: FailNextOptions): void {
    this.failNextRules.push({ ...options, count: options.count ?? 1 });
  }

  /** Ends every open watch stream normally; returns how many were closed. */
  closeAllWatches(): number {
    return this.targets.closeAllWatches();
  }

  /** Keeps watch connections open but sends nothing (events and bookmarks are dropped) while on. */
  stallWatches(on: boolean): void {
    this.stalled = on;
    this.targets.setWatchesStalled(on);
  }

  /** Forgets the watch history, so any watch resuming from an older resourceVersion gets 410 Gone. */
  compactHistory(): void {
    this.targets.compactHistory();
  }

  /** Kubelet-style eviction: the pod fails with reason Evicted (it is not deleted). */
  evictPod(namespace: string, name: string, message?: string): KubeObject {
    return this.targets.evictPod(namespace, name, message);
  }

  /** Deletes a pod as `kubectl delete pod` would (graceful unless gracePeriodSeconds is 0). */
  deletePod(namespace: string, name: string, gracePeriodSeconds?: number): void {
    this.targets.deletePod(namespace, name, gracePeriodSeconds);
  }

  /** Back to no faults; un-stalls watches. */
  reset(): void {
    this.configure(DEFAULT_FAULTS);
    this.failNextRules = [];
    if (this.stalled) this.stallWatches(false);
  }

  /** The failure to answer a request with, if any (called by the HTTP layer). */
  failureFor(verb: string, resource: string): ApiError | undefined {
    const rule = this.failNextRules.find(
      (r) =>
        (!r.verb || r.verb === verb) &&
        (!r.resource || r.resource === resource || r.resource === resource.split('/')[0]),
    );
    if (rule) {
      rule.count--;
      if (rule.count <= 0) this.failNextRules.splice(this.failNextRules.indexOf(rule), 1);
      return this.errorFor(rule.status);
    }
    if (this.errorRate500 > 0 && Math.random() < this.errorRate500) return this.errorFor(500);
    if (this.errorRate429 > 0 && Math.random() < this.errorRate429) return this.errorFor(429);
    return undefined;
  }

  private errorFor(status: number): ApiError {
    if (status === 429) return tooManyRequests(this.retryAfterSeconds);
    if (status === 500) return internalError('kube-sim: injected fault');
    return new ApiError(
      status,
      status >= 500 ? 'InternalError' : 'BadRequest',
      `kube-sim: injected fault (${status})`,
    );
  }
}
