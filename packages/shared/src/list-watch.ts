// Lists and watches ONE resource type as an explicit state machine, for any object form (a codec reads pages and
// events: the watcher's metadata, the worker's whole namespace-wide inputs):
//   listing → watching ⇄ (re-watch from the last resourceVersion) → relisting (410 Gone, stalled) → watching …
// Any error goes to `backoff` (capped exponential) and then re-watches from the last resourceVersion (a 410 then
// sends it to relisting). client-node's informer stops for good on non-410 errors; this loop never does until stopped.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { kubeGet, readBody } from './kube-metadata.js';

export type ListWatchState = 'listing' | 'watching' | 'relisting' | 'backoff' | 'stopped';

/** A JSON object (not an array, not null): what a list, an event and their metadata must be. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const watchLineSchema = z.object({
  type: z.enum(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']),
  object: z.unknown(),
});
const statusSchema = z.object({
  code: z.number().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
const bookmarkSchema = z.object({ metadata: z.object({ resourceVersion: z.string() }) });

/** One page of a list, as a codec read it from the response body. */
export interface ListPage<T> {
  items: T[];
  resourceVersion: string | undefined;
  /** Absent on the last page. */
  continueToken: string | undefined;
}

/** How one object form is asked for and read: its Accept headers, a list page's body, a watch event's object. */
export interface ListWatchCodec<T> {
  listAccept: string;
  watchAccept: string;
  /** The page of a list response's whole body; throws (any error) on a body that is not one. */
  readPage(body: Buffer): ListPage<T>;
  /** The object of a parsed watch event, or why it is not one. */
  readObject(value: unknown): T | string;
  resourceVersionOf(object: T): string | undefined;
}

interface PageRequest<T> {
  /** The page's continue token (undefined on the last page), as soon as it is known. */
  continueToken: Promise<string | undefined>;
  page: Promise<ListPage<T>>;
}

/** How much of a list's body is read for its continue token before the whole body is there, in bytes. */
const START_BYTES = 4096;

/**
 * The continue token of a list whose body starts `{"kind":…,"apiVersion":…,"metadata":{…},"items":` (how API
 * servers and kube-sim write one): undefined when its metadata has none, null when `start` does not tell (too short
 * yet, or written in another order). The caller checks it against the whole page's.
 */
export function continueTokenOfStart(start: string): string | undefined | null {
  const items = start.indexOf(',"items":');
  if (items < 0) return null;
  let head: unknown;
  try {
    head = JSON.parse(`${start.slice(0, items)}}`);
  } catch {
    return null;
  }
  const meta = isJsonObject(head) ? head.metadata : undefined;
  if (!isJsonObject(meta)) return null;
  return typeof meta.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface WatchEvent<T> {
  type: WatchEventType;
  object: T;
}

/** Why a list or watch failed; every kind is retried (kube-rs `watcher::Error`). */
export type WatchErrorKind =
  'ListFailed' | 'WatchStartFailed' | 'WatchFailed' | 'NoResourceVersion' | 'BadResponse';
export class WatchError extends Error {
  override readonly name = 'WatchError';
  constructor(
    readonly kind: WatchErrorKind,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

/** Why the loop went back to listing or re-watching (for metrics). */
export type RestartReason = 'gone' | 'stalled' | 'closed' | 'error';

export interface ListWatchOptions<T> {
  kubeConfig: KubeConfig;
  codec: ListWatchCodec<T>;
  /** Collection path, e.g. `/apis/vteam.ambient-code/v1alpha1/agenticsessions` or `/api/v1/namespaces/x/pods`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Called with each page of a (re)list, in order; `last` marks the end of a complete snapshot, so the consumer can
   * drop what the snapshot no longer holds. Awaited (backpressure).
   */
  onListPage: (objects: T[], page: { first: boolean; last: boolean }) => void | Promise<void>;
  /** Called for each watch event (bookmarks excluded). Awaited (backpressure). */
  onEvent: (event: WatchEvent<T>) => void | Promise<void>;
  onStateChange?: (state: ListWatchState) => void;
  onRestart?: (reason: RestartReason, error?: unknown) => void;
  /**
   * A watch that delivered nothing (no event, no bookmark) for this long is considered silently stalled, dropped and
   * replaced by a relist, in milliseconds.
   * @defaultValue 90000
   */
  stallTimeoutMs?: number;
  /**
   * Server-side watch timeout (`timeoutSeconds`); the server ends the watch cleanly and we re-watch, in seconds.
   * @defaultValue 300
   */
  watchTimeoutSeconds?: number;
  /** Objects per list page (`limit`). @defaultValue 500 */
  pageSize?: number;
  /** First delay after an error, in milliseconds; doubles per consecutive error. @defaultValue 250 */
  backoffInitialMs?: number;
  /** Cap of that delay (keep it well under 10 s so a restarted API server is found quickly). @defaultValue 4000 */
  backoffMaxMs?: number;
  /** Time allowed for response headers of each request, in milliseconds. @defaultValue 30000 */
  requestTimeoutMs?: number;
}

export interface ListWatch {
  state(): ListWatchState;
  /** A complete list has been delivered at least once. */
  synced(): boolean;
  /** Milliseconds since the server last sent anything on this list/watch. */
  lastActivityAgeMs(): number;
  /** Healthy: watching and heard from the server within the stall timeout. */
  healthy(): boolean;
  stop(): Promise<void>;
}

export function startListWatch<T>(options: ListWatchOptions<T>): ListWatch {
  const { codec } = options;
  const stallTimeoutMs = options.stallTimeoutMs ?? 90_000;
  const backoffInitialMs = options.backoffInitialMs ?? 250;
  const backoffMaxMs = options.backoffMaxMs ?? 4000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const stopping = new AbortController();
  let state: ListWatchState = 'listing';
  let synced = false;
  let lastActivity = Date.now();

  function setState(next: ListWatchState): void {
    if (next === state) return;
    state = next;
    options.onStateChange?.(next);
  }

  /**
   * One page of the list from `continueToken` on (the first page without one), read and checked; its own continue
   * token is told as soon as the start of the body has it.
   */
  function requestPage(continueToken: string | undefined): PageRequest<T> {
    let tellEarly: (token: string | undefined) => void = () => undefined;
    const early = new Promise<string | undefined>((resolve) => (tellEarly = resolve));
    const page = (async (): Promise<ListPage<T>> => {
      const res = await kubeGet(options.kubeConfig, options.path, {
        query: {
          limit: options.pageSize ?? 500,
          continue: continueToken,
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
        },
        accept: codec.listAccept,
        signal: stopping.signal,
        timeoutMs: requestTimeoutMs,
      });
      const chunks: Buffer[] = [];
      let start = res.statusCode === 200 ? '' : undefined;
      for await (const chunk of res as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        if (start === undefined) continue;
        start += chunk.toString('utf8', 0, Math.min(chunk.length, START_BYTES - start.length));
        const told = continueTokenOfStart(start);
        if (told !== null) tellEarly(told);
        if (told !== null || start.length >= START_BYTES) start = undefined;
      }
      const body = Buffer.concat(chunks);
      if (res.statusCode !== 200) {
        throw new WatchError(
          'ListFailed',
          `list ${options.path}: HTTP ${res.statusCode}: ${body.toString('utf8', 0, 200)}`,
          res.statusCode,
        );
      }
      lastActivity = Date.now();
      try {
        return codec.readPage(body);
      } catch (err) {
        throw new WatchError('BadResponse', `list ${options.path}: ${(err as Error).message}`);
      }
    })();
    // Told by the start of the body, else by the whole page (a failure before either rejects it too).
    return { continueToken: Promise.race([early, page.then((p) => p.continueToken)]), page };
  }

  async function listAll(): Promise<string> {
    let request = requestPage(undefined);
    for (let first = true; ; first = false) {
      // The next page is asked for as soon as this one's continue token is known — from the start of its body,
      // where API servers write a list's metadata — so the server prepares it while this one is read, parsed and
      // indexed (three pages in memory at most). Its failure is seen when it is awaited; should this page fail or
      // its handling throw first, the loop ends and the rejection is dropped here.
      const token = await request.continueToken;
      const next = token === undefined ? undefined : requestPage(token);
      next?.page.catch(() => undefined);
      next?.continueToken.catch(() => undefined);
      const page = await request.page;
      if (page.continueToken !== token)
        throw new WatchError(
          'BadResponse',
          `list ${options.path}: the start of a page told another continue token`,
        );
      const last = page.continueToken === undefined;
      await options.onListPage(page.items, { first, last });
      if (last) {
        if (!page.resourceVersion)
          throw new WatchError('NoResourceVersion', `list ${options.path} returned no resourceVersion`);
        return page.resourceVersion;
      }
      request = next!;
    }
  }

  /** Watches from `rv` until the stream ends; returns how it ended and the last resourceVersion seen. */
  async function watchFrom(
    rv: string,
  ): Promise<{ end: 'gone' | 'stalled' | 'closed'; rv: string; lines: number }> {
    const res = await kubeGet(options.kubeConfig, options.path, {
      query: {
        watch: true,
        resourceVersion: rv,
        allowWatchBookmarks: true,
        timeoutSeconds: options.watchTimeoutSeconds ?? 300,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
      },
      accept: codec.watchAccept,
      signal: stopping.signal,
      timeoutMs: requestTimeoutMs,
    });
    if (res.statusCode === 410) {
      res.resume();
      return { end: 'gone', rv, lines: 0 };
    }
    if (res.statusCode !== 200) {
      const text = await readBody(res);
      throw new WatchError(
        'WatchStartFailed',
        `watch ${options.path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`,
        res.statusCode,
      );
    }
    lastActivity = Date.now();
    setState('watching');
    res.setEncoding('utf8');
    let stalled = false;
    const stallCheck = setInterval(
      () => {
        if (Date.now() - lastActivity > stallTimeoutMs) {
          stalled = true;
          res.destroy();
        }
      },
      Math.max(50, Math.min(1000, stallTimeoutMs / 4)),
    );
    let lines = 0;
    let current = rv;
    try {
      for await (const line of jsonLines(res)) {
        lastActivity = Date.now();
        lines++;
        const parsed = watchLineSchema.safeParse(JSON.parse(line));
        if (!parsed.success)
          throw new WatchError('BadResponse', `watch ${options.path}: ${parsed.error.message}`);
        const { type, object } = parsed.data;
        if (type === 'BOOKMARK') {
          const bookmark = bookmarkSchema.safeParse(object);
          if (bookmark.success) current = bookmark.data.metadata.resourceVersion;
          continue;
        }
        if (type === 'ERROR') {
          const status = statusSchema.safeParse(object);
          if (
            status.success &&
            (status.data.code === 410 || status.data.reason === 'Expired' || status.data.reason === 'Gone')
          ) {
            return { end: 'gone', rv: current, lines };
          }
          throw new WatchError(
            'WatchFailed',
            `watch ${options.path}: ${JSON.stringify(object).slice(0, 200)}`,
          );
        }
        const watched = codec.readObject(object);
        if (typeof watched === 'string')
          throw new WatchError('BadResponse', `watch ${options.path}: ${watched}`);
        current = codec.resourceVersionOf(watched) || current;
        await options.onEvent({ type, object: watched });
      }
    } catch (err) {
      if (!stalled && !stopping.signal.aborted)
        throw Object.assign(err as Error, { lastResourceVersion: current });
    } finally {
      clearInterval(stallCheck);
      res.destroy();
    }
    return { end: stalled ? 'stalled' : 'closed', rv: current, lines };
  }

  async function run(): Promise<void> {
    let rv: string | undefined;
    let delayMs = backoffInitialMs;
    const backoff = async () => {
      setState('backoff');
      await sleep(delayMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      delayMs = Math.min(backoffMaxMs, delayMs * 2);
    };
    while (!stopping.signal.aborted) {
      try {
        if (rv === undefined) {
          setState(synced ? 'relisting' : 'listing');
          rv = await listAll();
          synced = true;
        }
        const result = await watchFrom(rv);
        if (stopping.signal.aborted) break;
        rv = result.rv;
        if (result.end === 'closed' && result.lines === 0) {
          // Ended cleanly without a line: don't spin on a server that keeps closing at once.
          options.onRestart?.('closed');
          await backoff();
          continue;
        }
        delayMs = backoffInitialMs;
        options.onRestart?.(result.end);
        if (result.end !== 'closed') rv = undefined; // gone or stalled: the next step is a relist
      } catch (err) {
        if (stopping.signal.aborted) break;
        const last = (err as { lastResourceVersion?: unknown }).lastResourceVersion;
        if (typeof last === 'string') rv = last;
        options.onRestart?.('error', err);
        await backoff();
      }
    }
    setState('stopped');
  }

  const running = run();
  return {
    state: () => state,
    synced: () => synced,
    lastActivityAgeMs: () => Date.now() - lastActivity,
    healthy: () => state === 'watching' && Date.now() - lastActivity <= stallTimeoutMs,
    async stop() {
      stopping.abort();
      await running;
    },
  };
}

/**
 * Splits a watch stream into lines. Iterating the response itself (not node:readline) matters: readline waits for
 * 'end', which never comes when the socket dies or we destroy a stalled stream; the stream iterator rejects instead.
 */
async function* jsonLines(stream: AsyncIterable<unknown>): AsyncGenerator<string> {
  let buffered = '';
  for await (const chunk of stream) {
    buffered += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== '') yield line;
    }
  }
  if (buffered.trim() !== '') yield buffered.trim();
}
