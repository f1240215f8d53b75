import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ApiError, internalError } from './errors.js';
import type { Faults } from './faults.js';
import type { RequestCounter } from './request-metrics.js';
import type { ResourceApi } from './resource-api.js';
import { parseResourcePath } from './request-path.js';
import { notFoundStatus, registerDiscoveryRoutes } from './routes/discovery.js';
import { registerOpenApiRoutes } from './routes/openapi.js';
import type { ResourceType } from './resource-registry.js';
import type { ResourcePath } from './request-path.js';
import {
  handleResourceRequest,
  verbOf,
  type ResourceReply,
  type ResourceRequest,
} from './routes/resources.js';
import { registerSimRoutes } from './routes/sim.js';
import type { WatchHub } from './watch-stream.js';

export interface HttpServerDeps {
  api: ResourceApi;
  hub: WatchHub;
  faults: Faults;
  requests: RequestCounter;
  logger: Logger;
  tokenKey: Buffer;
  serverAddress: () => string;
}

/** The API server's maximum request body (3 MiB, like etcd's default request limit). */
const BODY_LIMIT_BYTES = 3 * 1024 * 1024;

function sendError(reply: ResourceReply, error: ApiError): ResourceReply {
  if (error.code === 429 && error.details?.retryAfterSeconds !== undefined) {
    reply.header('Retry-After', String(error.details.retryAfterSeconds));
  }
  return reply
    .code(error.code)
    .header('Content-Type', 'application/json')
    .send(JSON.stringify(error.toStatus()));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Characters a URL path keeps as they are (no percent-encoding added, no dot segment to resolve). Percent
 * signs go the long way: WHATWG reads `%2e` as a dot.
 */
const PLAIN_PATH = /^\/(?!\/)[\w\-.~:@!$&'()*+,;=/]*$/;
const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)/;

/** The request's path as WHATWG URL parsing gives it; plain paths (all of a client's) without building a URL. */
function pathnameOf(rawUrl: string): string {
  const end = rawUrl.search(/[?#]/);
  const raw = end < 0 ? rawUrl : rawUrl.slice(0, end);
  if (PLAIN_PATH.test(raw) && !DOT_SEGMENT.test(raw)) return raw;
  return new URL(rawUrl, 'http://kube-sim').pathname;
}

/** Counts a resource request, applies the configured faults and answers it (failures as Status objects). */
async function serveResource(
  deps: HttpServerDeps,
  type: ResourceType,
  path: ResourcePath,
  request: ResourceRequest,
  reply: ResourceReply,
  url: string,
): Promise<ResourceReply | undefined> {
  const query = request.query as Record<string, string | undefined>;
  const verb = verbOf(request.method, path, query);
  const resource = path.subresource ? `${path.plural}/${path.subresource}` : path.plural;
  deps.requests.record(verb, resource);
  try {
    if (deps.faults.latencyMs > 0) await sleep(deps.faults.latencyMs);
    const failure = deps.faults.failureFor(verb, resource);
    if (failure) return sendError(reply, failure);
    return handleResourceRequest(
      { api: deps.api, hub: deps.hub, tokenKey: deps.tokenKey },
      type,
      path,
      request,
      reply,
    );
  } catch (err) {
    if (err instanceof ApiError) return sendError(reply, err);
    deps.logger.error({ err, method: request.method, url }, 'request failed');
    return sendError(reply, internalError(err instanceof Error ? err.message : String(err)));
  }
}

/** A reply written straight to node:http's response: what fastify's would send for the same calls. */
class PlainReply implements ResourceReply {
  #statusCode = 200;
  readonly #headers: Record<string, string | string[]> = {};

  constructor(readonly raw: ServerResponse) {}

  code(statusCode: number): this {
    this.#statusCode = statusCode;
    return this;
  }

  header(name: string, value: string | string[]): this {
    this.#headers[name.toLowerCase()] = value;
    return this;
  }

  send(payload: string): this {
    this.#headers['content-length'] = String(Buffer.byteLength(payload));
    this.raw.writeHead(this.#statusCode, this.#headers);
    this.raw.end(payload);
    return this;
  }

  hijack(): void {
    // Nothing to take over: the caller writes to `raw` itself.
  }
}

const RESOURCE_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const PROTOBUF_BODY = /^application\/vnd\.kubernetes\.protobuf/;

/**
 * The hot path: a resource request answered on node:http directly, without fastify's routing, hooks and reply
 * machinery (a burst's requests are nearly all of this kind). Returns false for anything it does not take —
 * other paths, an unknown resource, a body without Content-Length or Content-Type, or over the limit — which fastify
 * then serves as before (its 404s, 413s and 415s included).
 */
function servePlain(deps: HttpServerDeps, req: IncomingMessage, res: ServerResponse): boolean {
  const method = req.method ?? '';
  const url = req.url ?? '';
  if (!RESOURCE_METHODS.has(method) || !(url.startsWith('/api/') || url.startsWith('/apis/'))) return false;
  const path = parseResourcePath(pathnameOf(url));
  const type = path && deps.api.registry.lookup(path.group, path.version, path.plural);
  if (!path || !type) return false;
  const length = req.headers['content-length'];
  const contentType = req.headers['content-type'] ?? '';
  const hasBody = length === undefined ? req.headers['transfer-encoding'] !== undefined : length !== '0';
  if (
    hasBody &&
    (method === 'GET' || length === undefined || !(Number(length) <= BODY_LIMIT_BYTES) || contentType === '')
  )
    return false;
  const queryAt = url.indexOf('?');
  const query = queryAt < 0 ? {} : parseQuery(url.slice(queryAt + 1));
  const answer = (body: unknown) =>
    serveResource(
      deps,
      type,
      path,
      { method, query, headers: req.headers, body },
      new PlainReply(res),
      url,
    ).catch((err: unknown) => {
      deps.logger.error({ err, method, url }, 'request failed');
      res.destroy();
    });
  if (!hasBody) {
    void answer(undefined);
    return true;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.once('end', () => {
    const bytes = Buffer.concat(chunks);
    void answer(PROTOBUF_BODY.test(contentType) ? bytes : bytes.toString('utf8'));
  });
  return true;
}

/** Builds the HTTP front end: resource requests on plain node:http (servePlain), the rest on fastify. */
export function createHttpServer(deps: HttpServerDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Watches are long-lived: closing the server must cut them (restart() relies on it).
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    serverFactory: (handler) => {
      const server = http.createServer((req, res) => {
        if (!servePlain(deps, req, res)) handler(req, res);
      });
      // As fastify sets its own server up (its keepAliveTimeout option; no request timeout).
      server.keepAliveTimeout = 65_000;
      server.requestTimeout = 0;
      return server;
    },
  });
  // Bodies are decoded per request by content type (JSON, YAML apply patches, patch types).
  app.removeAllContentTypeParsers();
  // The API server's JSON is `application/json`, without the charset fastify adds to string payloads.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (reply.getHeader('content-type') === 'application/json; charset=utf-8')
      reply.header('content-type', 'application/json');
    done(null, payload);
  });
  // Protobuf bodies (kubectl's typed commands) are binary: keep their bytes for src/protobuf/decode.ts.
  app.addContentTypeParser(PROTOBUF_BODY, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  registerDiscoveryRoutes(app, deps.api.registry, deps.serverAddress, deps.api.serverVersion);
  registerOpenApiRoutes(app, deps.api.registry);
  registerSimRoutes(app, deps.faults, deps.requests);
  app.get('/healthz', async () => 'ok');
  app.get('/readyz', async () => 'ok');
  app.get('/livez', async () => 'ok');

  // What servePlain leaves to fastify under /api and /apis: unknown paths and resources (404), and requests
  // whose bodies fastify's parsers check (chunked, over the limit, without a Content-Type).
  const resourceHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = parseResourcePath(pathnameOf(request.url));
    const type = path && deps.api.registry.lookup(path.group, path.version, path.plural);
    if (!path || !type)
      return reply
        .code(404)
        .header('Content-Type', 'application/json')
        .send(JSON.stringify(notFoundStatus()));
    return serveResource(deps, type, path, request, reply, request.url);
  };
  for (const prefix of ['/api/*', '/apis/*']) {
    app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: prefix, handler: resourceHandler });
  }
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).header('Content-Type', 'application/json').send(JSON.stringify(notFoundStatus())),
  );
  return app;
}
