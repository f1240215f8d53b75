import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { z } from 'zod';
import type { ApiResource } from '@ambient-operator/api-contract';
import { AMBIENT_API_BASE_PATH, API_RESOURCES, API_RESOURCE_NAMES } from '@ambient-operator/api-contract';
import { ApiSimError } from './errors.js';
import type { ApiOperation } from './faults.js';
import { columnsOf, parseCreateBody, parsePatchBody, parseStatusBody } from './resource-specs.js';
import { parseOrderBy, parseSearch } from './search.js';
import type { ApiObject, Predicate } from './search.js';
import type { ApiSimCore } from './core.js';

const MAX_BODY_BYTES = 1024 * 1024;
const REST_DEFAULT_PAGE_SIZE = 100;
const REST_MAX_PAGE_SIZE = 65500;
const PROJECT_ID_FILTER = /^[a-zA-Z0-9_-]+$/;
const UNAUTHENTICATED_PATHS = new Set(['/healthcheck', '/health', '/metrics']);

interface Route {
  resource: ApiResource;
  id?: string;
  action?: 'status' | 'start' | 'stop';
}

interface Reply {
  status: number;
  body?: unknown;
}

const operationSchema = z.enum([
  'list',
  'get',
  'create',
  'update',
  'delete',
  'status',
  'start',
  'stop',
  'watch',
]) satisfies z.ZodType<ApiOperation>;

const faultRequestSchema = z.strictObject({
  latencyMs: z.number().int().min(0).optional(),
  /** Only this operation's calls get `latencyMs`. */
  latencyOperation: operationSchema.optional(),
  streamOutage: z.boolean().optional(),
  dropStreams: z.literal(true).optional(),
  /** Drop the next this many watch events unsent (the streams stay open). */
  dropWatchEvents: z.number().int().min(0).optional(),
  reset: z.literal(true).optional(),
  failNext: z
    .strictObject({
      status: z.number().int().min(400).max(599),
      count: z.number().int().min(1).optional(),
      protocol: z.enum(['rest', 'grpc']).optional(),
      operation: operationSchema.optional(),
      resource: z.enum(['sessions', 'projects', 'project_settings', 'users']).optional(),
    })
    .optional(),
});

function parseRoute(path: string): Route | undefined {
  if (!path.startsWith(`${AMBIENT_API_BASE_PATH}/`)) return undefined;
  const [plural, id, action, ...rest] = path.slice(AMBIENT_API_BASE_PATH.length + 1).split('/');
  if (!(API_RESOURCE_NAMES as readonly string[]).includes(plural ?? '') || rest.length > 0) return undefined;
  const resource = plural as ApiResource;
  if (action === undefined) return { resource, ...(id ? { id: decodeURIComponent(id) } : {}) };
  if (resource === 'sessions' && id && (action === 'status' || action === 'start' || action === 'stop'))
    return { resource, id: decodeURIComponent(id), action };
  return undefined;
}

function operationOf(method: string, route: Route): ApiOperation | undefined {
  if (route.action === 'status') return method === 'PATCH' ? 'status' : undefined;
  if (route.action) return method === 'POST' ? route.action : undefined;
  if (route.id === undefined) return method === 'GET' ? 'list' : method === 'POST' ? 'create' : undefined;
  const byMethod: Record<string, ApiOperation> = { GET: 'get', PATCH: 'update', DELETE: 'delete' };
  return byMethod[method];
}

function routeTemplate(method: string, route: Route): string {
  return `${method} /${route.resource}${route.id !== undefined ? '/{id}' : ''}${route.action ? `/${route.action}` : ''}`;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw ApiSimError.of('malformedBody', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw ApiSimError.of('malformedBody', 'request body is not valid JSON');
  }
}

function intParam(params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw ApiSimError.of('validation', `${name} must be an integer`);
  return value;
}

function listQuery(resource: ApiResource, params: URLSearchParams) {
  const page = Math.max(1, intParam(params, 'page', 1));
  const rawSize = intParam(params, 'size', REST_DEFAULT_PAGE_SIZE);
  const size = rawSize < 0 || rawSize > REST_MAX_PAGE_SIZE ? REST_MAX_PAGE_SIZE : rawSize;
  const columns = columnsOf(resource);
  const filters: Predicate[] = [];
  const search = params.get('search');
  if (search) filters.push(parseSearch(search, columns));
  const projectId = params.get('project_id');
  if (projectId !== null && (resource === 'sessions' || resource === 'project_settings')) {
    if (!PROJECT_ID_FILTER.test(projectId)) throw ApiSimError.of('validation', 'invalid project_id');
    filters.push((o) => o.project_id === projectId);
  }
  const orderBy = params.get('orderBy');
  return {
    page,
    size,
    filter: filters.length > 0 ? (o: ApiObject) => filters.every((f) => f(o)) : undefined,
    order: orderBy ? parseOrderBy(orderBy, columns) : undefined,
  };
}

async function serveResource(core: ApiSimCore, req: IncomingMessage, route: Route, url: URL): Promise<Reply> {
  const { store } = core;
  const { resource, id } = route;
  const method = req.method ?? 'GET';
  switch (operationOf(method, route)) {
    case 'list': {
      const query = listQuery(resource, url.searchParams);
      const page = store.list(resource, query);
      const items = query.size === 0 ? [] : page.items;
      return {
        status: 200,
        body: {
          kind: `${API_RESOURCES[resource].kind}List`,
          page: page.page,
          size: items.length,
          total: page.total,
          items,
        },
      };
    }
    case 'create':
      return { status: 201, body: store.create(resource, parseCreateBody(resource, await readJson(req))) };
    case 'get':
      return { status: 200, body: store.get(resource, id!) };
    case 'update':
      // project_id is POST-only on sessions, so parsePatchBody leaves it out.
      return {
        status: 200,
        body: store.update(resource, id!, parsePatchBody(resource, await readJson(req))),
      };
    case 'delete':
      store.delete(resource, id!);
      return { status: 204 };
    case 'status':
      return { status: 200, body: store.updateStatus(id!, parseStatusBody(await readJson(req))) };
    case 'start':
      return { status: 200, body: store.start(id!) };
    case 'stop':
      return { status: 200, body: store.stop(id!) };
    default:
      return {
        status: 405,
        body: new ApiSimError(8, 405, `method ${method} not allowed`).envelope(randomUUID()),
      };
  }
}

async function serveSim(core: ApiSimCore, req: IncomingMessage, path: string): Promise<Reply> {
  if (path === '/sim/stats' && req.method === 'GET') {
    return {
      status: 200,
      body: {
        requests: core.requestCounts(),
        inFlight: core.inFlightCounts(),
        watchStreams: core.watchHub.counts(),
        droppedEvents: core.watchHub.dropped(),
        objects: Object.fromEntries(API_RESOURCE_NAMES.map((r) => [r, core.store.count(r)])),
        faults: core.faults.settings(),
      },
    };
  }
  if (path === '/sim/status-writes' && req.method === 'GET')
    return { status: 200, body: { sessions: core.store.statusWrites() } };
  if (path === '/sim/requests/reset' && req.method === 'POST') {
    core.resetRequestCounts();
    return { status: 204 };
  }
  if (path === '/sim/faults' && req.method === 'POST') {
    const parsed = faultRequestSchema.safeParse(await readJson(req));
    if (!parsed.success) throw ApiSimError.of('validation', z.prettifyError(parsed.error));
    const f = parsed.data;
    if (f.reset) core.faults.reset();
    if (f.latencyMs !== undefined) core.faults.setLatency(f.latencyMs, f.latencyOperation);
    let dropped = 0;
    if (f.streamOutage !== undefined) dropped += core.faults.setStreamOutage(f.streamOutage);
    if (f.dropStreams) dropped += core.faults.dropStreams();
    if (f.failNext) core.faults.failNext(f.failNext);
    if (f.dropWatchEvents !== undefined) core.faults.dropWatchEvents = f.dropWatchEvents;
    return { status: 200, body: { ...core.faults.settings(), droppedStreams: dropped } };
  }
  return { status: 404, body: ApiSimError.of('notFound', `no route ${path}`).envelope(randomUUID()) };
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.body === undefined) {
    res.writeHead(reply.status).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function handle(core: ApiSimCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://api-sim');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (path === '/healthcheck' || path === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
    return;
  }
  if (path === '/metrics') {
    const lines = Object.entries(core.requestCounts()).map(
      ([route, n]) => `api_sim_requests_total{route=${JSON.stringify(route)}} ${n}`,
    );
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
    return;
  }
  const forwarded = req.headers['x-forwarded-access-token'];
  if (
    !UNAUTHENTICATED_PATHS.has(path) &&
    !core.authorized(req.headers.authorization, typeof forwarded === 'string' ? forwarded : undefined)
  ) {
    res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized: invalid or missing bearer token');
    return;
  }
  const operationId = randomUUID();
  try {
    if (path.startsWith('/sim/')) {
      send(res, await serveSim(core, req, path));
      return;
    }
    const route = parseRoute(path);
    if (!route) {
      send(res, { status: 404, body: ApiSimError.of('notFound', `no route ${path}`).envelope(operationId) });
      return;
    }
    const template = `rest ${routeTemplate(req.method ?? 'GET', route)}`;
    core.count(template);
    const operation = operationOf(req.method ?? 'GET', route);
    const reply = await core.serving(template, async () => {
      await core.delay(operation);
      const failure = operation
        ? core.faults.failureFor({ protocol: 'rest', operation, resource: route.resource })
        : undefined;
      if (failure) throw failure;
      return serveResource(core, req, route, url);
    });
    send(res, reply);
  } catch (err) {
    const apiErr =
      err instanceof ApiSimError
        ? err
        : ApiSimError.of('database', err instanceof Error ? err.message : String(err));
    send(res, { status: apiErr.httpStatus, body: apiErr.envelope(operationId) });
  }
}

/** The REST API on a plain node:http server (no framework: the error envelopes are the contract's). */
export function createRestServer(core: ApiSimCore): Server {
  return createServer((req, res) => {
    handle(core, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(err instanceof Error ? err.message : String(err));
    });
  });
}
