import type { ZodType } from 'zod';
import type {
  ApiProject,
  ApiProjectSettings,
  ApiResource,
  ApiSession,
  ApiUser,
  SessionStatusPatch,
} from '@ambient-operator/api-contract';
import {
  AMBIENT_API_BASE_PATH,
  apiErrorSchema,
  apiListSchema,
  apiProjectSchema,
  apiProjectSettingsSchema,
  apiSessionSchema,
  apiUserSchema,
} from '@ambient-operator/api-contract';
import { ConflictError, RetryableError, TerminalError } from '../errors.js';
import type { OperatorError } from '../errors.js';

/** The object type of each resource. */
export interface ApiObjects {
  sessions: ApiSession;
  projects: ApiProject;
  project_settings: ApiProjectSettings;
  users: ApiUser;
}

const OBJECT_SCHEMAS: { [R in ApiResource]: ZodType<ApiObjects[R]> } = {
  sessions: apiSessionSchema,
  projects: apiProjectSchema,
  project_settings: apiProjectSettingsSchema,
  users: apiUserSchema,
};

export function apiObjectSchema<R extends ApiResource>(resource: R): ZodType<ApiObjects[R]> {
  return OBJECT_SCHEMAS[resource];
}

/** Page size of the full list (upstream's control plane used 100 too). */
const LIST_PAGE_SIZE = 100;
/** Bound on pages, so a server that never reports its total cannot loop us forever. */
const MAX_LIST_PAGES = 10_000;

export interface ApiClientOptions {
  /** REST base, e.g. `http://localhost:8000` (without `/api/ambient/v1`). */
  url: string;
  /** Bearer token. */
  token: string;
  /** Per-request timeout in ms. @defaultValue 30000 */
  timeoutMs?: number;
}

export interface ListResult<T> {
  items: T[];
  /** Items that failed the schema (kept out of `items`), with why. */
  invalid: Array<{ id: string | undefined; problem: string }>;
}

/** An API failure as one of our error kinds: 409 conflict; 429, 5xx and network retryable; other 4xx terminal. */
function apiError(status: number, reason: string, what: string): OperatorError {
  const message = `ambient-api-server ${what}: ${status} ${reason}`;
  if (status === 409) return new ConflictError(message);
  if (status === 429 || status >= 500)
    return new RetryableError(message, status === 429 ? 'RATE_LIMITED' : 'SERVER_ERROR');
  if (status === 401) return new TerminalError(message, 'UNAUTHORIZED');
  if (status === 403) return new TerminalError(message, 'FORBIDDEN');
  if (status === 404) return new TerminalError(message, 'NOT_FOUND');
  return new TerminalError(message, 'BAD_REQUEST');
}

/** The REST side of the ambient-api-server, as the watcher and workers use it. */
export class AmbientApiClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: ApiClientOptions) {
    this.base = `${options.url.replace(/\/+$/, '')}${AMBIENT_API_BASE_PATH}`;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Every object of a resource: pages of 100 from page 1 until `total` is reached or a page is empty. */
  async listAll<R extends ApiResource>(
    resource: R,
    signal?: AbortSignal,
  ): Promise<ListResult<ApiObjects[R]>> {
    const schema = apiListSchema(OBJECT_SCHEMAS[resource] as ZodType);
    const result: ListResult<ApiObjects[R]> = { items: [], invalid: [] };
    let seen = 0;
    for (let page = 1; page <= MAX_LIST_PAGES; page++) {
      const body = await this.request(
        'GET',
        `/${resource}?page=${page}&size=${LIST_PAGE_SIZE}`,
        undefined,
        signal,
      );
      const parsed = schema.loose().safeParse(body);
      if (!parsed.success)
        throw new RetryableError(`ambient-api-server list ${resource}: not a list: ${parsed.error.message}`);
      const raw = (body as { items: unknown[] }).items;
      for (const item of raw) {
        const one = OBJECT_SCHEMAS[resource].safeParse(item);
        if (one.success) result.items.push(one.data);
        else result.invalid.push({ id: (item as { id?: string } | null)?.id, problem: one.error.message });
      }
      seen += raw.length;
      if (raw.length === 0 || seen >= parsed.data.total) break;
    }
    return result;
  }

  /** One object, or undefined when the server does not have it (404). */
  async get<R extends ApiResource>(
    resource: R,
    id: string,
    signal?: AbortSignal,
  ): Promise<ApiObjects[R] | undefined> {
    let body: unknown;
    try {
      body = await this.request('GET', `/${resource}/${encodeURIComponent(id)}`, undefined, signal);
    } catch (err) {
      if ((err as OperatorError).code === 'NOT_FOUND') return undefined;
      throw err;
    }
    const parsed = OBJECT_SCHEMAS[resource].safeParse(body);
    if (!parsed.success)
      throw new TerminalError(`ambient-api-server ${resource}/${id} is malformed: ${parsed.error.message}`);
    return parsed.data;
  }

  /** `PATCH /sessions/{id}/status`; returns the session as the server now holds it. */
  async patchSessionStatus(id: string, patch: SessionStatusPatch, signal?: AbortSignal): Promise<ApiSession> {
    const body = await this.request('PATCH', `/sessions/${encodeURIComponent(id)}/status`, patch, signal);
    return apiSessionSchema.parse(body);
  }

  private async request(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const what = `${method} ${path.split('?')[0]}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new RetryableError(
        `ambient-api-server ${what}: ${err instanceof Error ? err.message : String(err)}`,
        'NETWORK',
        { cause: err },
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let reason = text.slice(0, 300);
      try {
        const parsed = apiErrorSchema.safeParse(JSON.parse(text));
        if (parsed.success) reason = parsed.data.reason;
      } catch {
        // a text/plain body (401) keeps its text as the reason
      }
      throw apiError(res.status, reason, what);
    }
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new RetryableError(`ambient-api-server ${what}: the answer is not JSON`);
    }
  }
}
