import { CRD_GROUP, CRD_VERSION, AGENTIC_SESSION_PLURAL, isNotFound } from '@ambient-operator/shared';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { z } from 'zod';
import { summarizeSession, type SessionSummary } from './session-summary.js';

export interface SessionListing {
  /** Sorted by namespace, then name. */
  sessions: SessionSummary[];
  /** Epoch milliseconds of the LIST this came from. */
  fetchedAt: number;
  /** Items whose metadata could not be read (left out of `sessions`). */
  unreadable: number;
  /** Set when the latest refresh failed and `sessions` is older data (or empty). */
  error: string | undefined;
}

export interface SessionCacheOptions {
  customObjects: CustomObjectsApi;
  /**
   * How long one LIST answers every viewer, in milliseconds: many open pages polling every 2 s cost one LIST
   * per period, not one per viewer.
   * @defaultValue 3000
   */
  ttlMs?: number;
  /**
   * Page size of the LIST (`limit`, followed by `continue`), so a large cluster is read in bounded pieces.
   * @defaultValue 500
   */
  pageSize?: number;
  /** @defaultValue Date.now */
  now?: () => number;
}

export interface SessionCache {
  /** The cached listing; refreshes it (once, shared by concurrent callers) when older than the TTL. */
  list(): Promise<SessionListing>;
  /** A live GET of one session; undefined when it does not exist. */
  get(namespace: string, name: string): Promise<SessionSummary | undefined>;
}

const listPageSchema = z.object({
  items: z.array(z.unknown()),
  metadata: z.object({ continue: z.string().optional() }).optional(),
});

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createSessionCache(options: SessionCacheOptions): SessionCache {
  const ttlMs = options.ttlMs ?? 3000;
  const pageSize = options.pageSize ?? 500;
  const now = options.now ?? Date.now;
  const api = options.customObjects;
  let current: SessionListing | undefined;
  let refreshing: Promise<SessionListing> | undefined;
  // A failed refresh is also not retried before the TTL, so a struggling API server is not hit harder.
  let attemptedAt = 0;

  async function fetchAll(): Promise<SessionListing> {
    const sessions: SessionSummary[] = [];
    let unreadable = 0;
    let token: string | undefined;
    const fetchedAt = now();
    do {
      const page = listPageSchema.parse(
        await api.listClusterCustomObject({
          group: CRD_GROUP,
          version: CRD_VERSION,
          plural: AGENTIC_SESSION_PLURAL,
          limit: pageSize,
          ...(token ? { _continue: token } : {}),
        }),
      );
      for (const item of page.items) {
        const summary = summarizeSession(item);
        if (summary) sessions.push(summary);
        else unreadable++;
      }
      token = page.metadata?.continue || undefined;
    } while (token);
    sessions.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    return { sessions, fetchedAt, unreadable, error: undefined };
  }

  async function refresh(): Promise<SessionListing> {
    attemptedAt = now();
    try {
      current = await fetchAll();
    } catch (err) {
      // Keep showing the last good listing, marked stale, rather than an error page while the API hiccups.
      current = {
        sessions: current?.sessions ?? [],
        fetchedAt: current?.fetchedAt ?? now(),
        unreadable: current?.unreadable ?? 0,
        error: `listing AgenticSessions failed: ${message(err)}`,
      };
    }
    return current;
  }

  return {
    list() {
      if (current && now() - attemptedAt < ttlMs) {
        return Promise.resolve(current);
      }
      refreshing ??= refresh().finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },

    async get(namespace, name) {
      try {
        const raw: unknown = await api.getNamespacedCustomObject({
          group: CRD_GROUP,
          version: CRD_VERSION,
          plural: AGENTIC_SESSION_PLURAL,
          namespace,
          name,
        });
        return summarizeSession(raw);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
  };
}
