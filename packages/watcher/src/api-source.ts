// The ambient-api-server as a source of keys: list every page, then one gRPC watch stream per resource;
// reconnect with capped exponential backoff and jitter that resets after a healthy stream, and relist after
// every (re)connect and periodically, so a change made while a stream was down is never lost (upstream's
// control plane had no relist and lost them). The server's broker also drops events silently while a client
// is slow (a full buffer; the stream stays up): a stream that brought events is followed, `catchUpAfterMs`
// later, by a catch-up list that enqueues only what the events did not bring — objects new, gone, or updated
// since their last event — so a dropped event costs seconds, not the next periodic relist (10 minutes: a burst of
// 1,000 sessions on a loaded machine left a few without their runner until then). Only ids and their
// `updated_at` are kept, as the Kubernetes watches keep only names.
import type { ApiKeyResource, AmbientApiClient, Logger } from '@ambient-operator/shared';
import { apiKey } from '@ambient-operator/shared';
// A subpath, not the barrel: the api-watch module (gRPC, protobufjs) is reached only through this file, which the
// watcher imports only when an api-server source is configured, so its bundle loads gRPC only then (esbuild puts
// any module the entry reaches through a barrel in the chunk loaded at start).
import type { ApiWatchEnd, ApiWatchEvent } from '@ambient-operator/shared/api-watch';
import { watchApiResource } from '@ambient-operator/shared/api-watch';

export type ApiSourceReason = 'event' | 'relist';

export interface ApiSourceOptions {
  client: AmbientApiClient;
  /** gRPC `host:port`. */
  grpcAddress: string;
  token: string;
  grpcUseTls?: boolean;
  /** @defaultValue sessions, projects, project_settings (users are not reconciled) */
  resources?: readonly ApiKeyResource[];
  /** Receives the keys to enqueue; errors are the caller's to handle (it owns the queue). */
  onKeys: (keys: string[], reason: ApiSourceReason) => Promise<void>;
  /** Periodic relist, in ms. @defaultValue 600000 */
  relistIntervalMs?: number;
  /**
   * Catch-up list this long after the first event since the last one, in ms (0: none). Each is a full list (10,000
   * sessions: 100 pages), at most one per interval and only while events arrive. @defaultValue 30000
   */
  catchUpAfterMs?: number;
  /** First reconnect delay, in ms. @defaultValue 1000 */
  backoffInitialMs?: number;
  /**
   * Cap of the reconnect delay, in ms. Lower than upstream's 30 s: a failed attempt costs one request, and
   * a low cap bounds how long after an outage ends the streams stay down. @defaultValue 5000
   */
  backoffMaxMs?: number;
  /** A stream open this long counts as healthy and resets the backoff, in ms. @defaultValue 10000 */
  healthyAfterMs?: number;
  /** Relist this long after opening a stream if the server has not confirmed it (no headers yet), in ms. @defaultValue 1000 */
  relistFallbackMs?: number;
  logger: Logger;
  /** Observes events, relists, connects and errors (metrics). */
  onActivity?: (activity: ApiSourceActivity) => void;
}

/** Why the source listed a resource: a stream (re)connected, the periodic relist, or a catch-up after events. */
export type RelistReason = 'connect' | 'periodic' | 'catch_up';

export type ApiSourceActivity =
  | { kind: 'event'; resource: ApiKeyResource; type: ApiWatchEvent['type'] }
  | { kind: 'relist'; resource: ApiKeyResource; reason: RelistReason; objects: number }
  | { kind: 'connected'; resource: ApiKeyResource; connected: boolean }
  | { kind: 'reconnect'; resource: ApiKeyResource; delayMs: number }
  | { kind: 'error'; resource: ApiKeyResource; stage: 'list' | 'watch'; message: string };

/** What the dashboard and /metrics show of one resource's stream. */
export interface ApiStreamState {
  resource: ApiKeyResource;
  connected: boolean;
  /** Objects of the last complete list plus events since. */
  knownObjects: number;
  lastEventAt: number | undefined;
  lastRelistAt: number | undefined;
  relists: number;
  reconnects: number;
  lastError: string | undefined;
}

export interface ApiSource {
  /** Every key currently known (for a full resync). */
  allKeys(): string[];
  states(): ApiStreamState[];
  /** True once every resource has been listed once. */
  synced(): boolean;
  stop(): Promise<void>;
}

/** Delay before reconnect attempt `attempt` (0-based): initial·2^attempt capped, ±25 % jitter. */
export function reconnectDelayMs(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.75 + random() * 0.5));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function startApiSource(options: ApiSourceOptions): ApiSource {
  const resources = options.resources ?? (['sessions', 'projects', 'project_settings'] as const);
  const controller = new AbortController();
  const { signal } = controller;
  const log = options.logger;
  const initialMs = options.backoffInitialMs ?? 1000;
  const maxMs = options.backoffMaxMs ?? 5000;
  const healthyAfterMs = options.healthyAfterMs ?? 10_000;
  const relistIntervalMs = options.relistIntervalMs ?? 600_000;
  const relistFallbackMs = options.relistFallbackMs ?? 1000;
  const catchUpAfterMs = options.catchUpAfterMs ?? 30_000;

  /** Known ids per resource, with the instant (updatedAtKey) each was last seen updated at. */
  const known = new Map<ApiKeyResource, Map<string, string | undefined>>(
    resources.map((r) => [r, new Map<string, string | undefined>()]),
  );
  /** The catch-up list due per resource (armed by an event; at most one pending). */
  const catchUps = new Map<ApiKeyResource, NodeJS.Timeout>();
  /** Catch-up lists running now: stop() waits for them, so none hands keys over after it. */
  const catchingUp = new Set<Promise<boolean>>();
  const states = new Map<ApiKeyResource, ApiStreamState>(
    resources.map((r) => [
      r,
      {
        resource: r,
        connected: false,
        knownObjects: 0,
        lastEventAt: undefined,
        lastRelistAt: undefined,
        relists: 0,
        reconnects: 0,
        lastError: undefined,
      },
    ]),
  );
  const listedOnce = new Set<ApiKeyResource>();
  const keyOf = (resource: ApiKeyResource, id: string): string | undefined => {
    try {
      return apiKey(resource, id);
    } catch {
      log.warn({ resource, id }, 'ambient-api-server id is not a valid key; ignored');
      return undefined;
    }
  };

  /**
   * Lists every page; every listed id and every id that vanished since goes to the queue — for a catch-up, only
   * the listed ids that are new or updated since their last event, and the vanished ones (at event priority: they
   * are changes a dropped event should have brought).
   */
  async function relist(resource: ApiKeyResource, reason: RelistReason): Promise<void> {
    const listed = await options.client.listAll(resource, signal);
    for (const bad of listed.invalid)
      log.warn({ resource, id: bad.id, problem: bad.problem }, 'ambient-api-server object failed its schema');
    const ids = new Map(listed.items.map((o) => [o.id, updatedAtKey(o.updated_at)]));
    const before = known.get(resource)!;
    const vanished = [...before.keys()].filter((id) => !ids.has(id));
    const changed = [...ids].flatMap(([id, at]) =>
      reason !== 'catch_up' || at === undefined || before.get(id) !== at ? [id] : [],
    );
    known.set(resource, ids);
    listedOnce.add(resource);
    const state = states.get(resource)!;
    state.relists++;
    state.lastRelistAt = Date.now();
    state.knownObjects = ids.size;
    options.onActivity?.({ kind: 'relist', resource, reason, objects: ids.size });
    const keys = [...changed, ...vanished].flatMap((id) => keyOf(resource, id) ?? []);
    if (reason !== 'catch_up') await options.onKeys(keys, 'relist');
    else if (keys.length > 0) await options.onKeys(keys, 'event');
  }

  async function relistSafely(resource: ApiKeyResource, reason: RelistReason): Promise<boolean> {
    try {
      await relist(resource, reason);
      return true;
    } catch (err) {
      if (signal.aborted) return false;
      const message = err instanceof Error ? err.message : String(err);
      states.get(resource)!.lastError = message;
      options.onActivity?.({ kind: 'error', resource, stage: 'list', message });
      log.warn({ resource, err }, 'ambient-api-server list failed');
      return false;
    }
  }

  function onEvent(resource: ApiKeyResource, event: ApiWatchEvent): void {
    const state = states.get(resource)!;
    state.lastEventAt = Date.now();
    options.onActivity?.({ kind: 'event', resource, type: event.type });
    const ids = known.get(resource)!;
    if (event.type === 'DELETED') ids.delete(event.id);
    else ids.set(event.id, updatedAtKey(event.object?.updated_at));
    state.knownObjects = ids.size;
    armCatchUp(resource);
    if (event.problem)
      log.warn(
        { resource, id: event.id, problem: event.problem },
        'watched object failed its schema; reconciling by id',
      );
    const key = keyOf(resource, event.id);
    // Every event, DELETED included, becomes the key: the worker reads the latest state (level-based).
    if (key)
      void options.onKeys([key], 'event').catch((err: unknown) => log.warn({ err, key }, 'enqueue failed'));
  }

  /**
   * A catch-up list of `resource` catchUpAfterMs from now, unless one is already due. The timer is dropped as it
   * fires, so events that arrive during that list arm the next one.
   */
  function armCatchUp(resource: ApiKeyResource): void {
    if (catchUpAfterMs <= 0 || catchUps.has(resource) || signal.aborted) return;
    const timer = setTimeout(() => {
      catchUps.delete(resource);
      const listing = relistSafely(resource, 'catch_up');
      catchingUp.add(listing);
      void listing.finally(() => catchingUp.delete(listing));
    }, catchUpAfterMs);
    timer.unref();
    catchUps.set(resource, timer);
  }

  /** One resource's loop: watch, relist once the stream is up, reconnect with backoff. */
  async function run(resource: ApiKeyResource): Promise<void> {
    const state = states.get(resource)!;
    let attempt = 0;
    while (!signal.aborted) {
      const openedAt = Date.now();
      let relisted: Promise<boolean> | undefined;
      const relistOnce = () => (relisted ??= relistSafely(resource, 'connect'));
      const fallback = setTimeout(relistOnce, relistFallbackMs);
      const end: ApiWatchEnd = await watchApiResource(
        {
          resource,
          address: options.grpcAddress,
          token: options.token,
          useTls: options.grpcUseTls,
          onEvent: (e) => onEvent(resource, e),
          signal,
        },
        () => {
          state.connected = true;
          options.onActivity?.({ kind: 'connected', resource, connected: true });
          void relistOnce();
        },
      );
      clearTimeout(fallback);
      await relisted;
      if (state.connected) options.onActivity?.({ kind: 'connected', resource, connected: false });
      state.connected = false;
      if (signal.aborted) return;
      if (end.reason === 'error') {
        state.lastError = `gRPC ${end.code}: ${end.details}`;
        options.onActivity?.({ kind: 'error', resource, stage: 'watch', message: state.lastError });
      }
      // A stream that stayed up long enough was healthy: the next failure starts from the first delay again.
      if (Date.now() - openedAt >= healthyAfterMs) attempt = 0;
      const delay = reconnectDelayMs(attempt++, initialMs, maxMs);
      state.reconnects++;
      options.onActivity?.({ kind: 'reconnect', resource, delayMs: delay });
      log.info({ resource, end, delayMs: delay }, 'ambient-api-server watch ended; reconnecting');
      await sleep(delay, signal);
    }
  }

  async function periodicRelists(): Promise<void> {
    while (!signal.aborted) {
      await sleep(relistIntervalMs, signal);
      if (signal.aborted) return;
      for (const resource of resources) await relistSafely(resource, 'periodic');
    }
  }

  const loops = [...resources.map(run), periodicRelists()];
  return {
    allKeys: () => resources.flatMap((r) => [...known.get(r)!.keys()].flatMap((id) => keyOf(r, id) ?? [])),
    states: () => resources.map((r) => ({ ...states.get(r)! })),
    synced: () => resources.every((r) => listedOnce.has(r)),
    async stop() {
      controller.abort();
      for (const timer of catchUps.values()) clearTimeout(timer);
      catchUps.clear();
      await Promise.all([...loops, ...catchingUp]);
    },
  };
}

/**
 * An `updated_at` as a comparable instant: the REST list and the gRPC event write the same time differently (an
 * offset or `Z`, trailing zeros of the fraction), so both become `<ms since the epoch, whole seconds>.<µs>`.
 * Undefined (always "changed") when absent or unreadable.
 */
export function updatedAtKey(at: string | undefined): string | undefined {
  if (at === undefined) return undefined;
  const match = /^([^.]+?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(at.trim());
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1]}${match[3] ?? 'Z'}`);
  if (Number.isNaN(seconds)) return undefined;
  return `${seconds}.${(match[2] ?? '').padEnd(6, '0').slice(0, 6)}`;
}
