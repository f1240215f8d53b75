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
import { handleResourceRequest, verbOf } from './routes/resources.js';
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

function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
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

/** Builds the HTTP front end (fastify): discovery, OpenAPI, resources, `/sim`. */
export function createHttpServer(deps: HttpServerDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Watches are long-lived: closing the server must cut them (restart() relies on it).
    forceCloseConnections: true,
    keepAliveTimeout: 65_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
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
  app.addContentTypeParser(
    /^application\/vnd\.kubernetes\.protobuf/,
    { parseAs: 'buffer' },
    (_request, body, done) => done(null, body),
  );
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  registerDiscoveryRoutes(app, deps.api.registry, deps.serverAddress, deps.api.serverVersion);
  registerOpenApiRoutes(app, deps.api.registry);
  registerSimRoutes(app, deps.faults, deps.requests);
  app.get('/healthz', async () => 'ok');
  app.get('/readyz', async () => 'ok');
  app.get('/livez', async () => 'ok');

  const resourceHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = parseResourcePath(pathnameOf(request.url));
    if (!path)
      return reply
        .code(404)
        .header('Content-Type', 'application/json')
        .send(JSON.stringify(notFoundStatus()));
    const type = deps.api.registry.lookup(path.group, path.version, path.plural);
    if (!type)
      return reply
        .code(404)
        .header('Content-Type', 'application/json')
        .send(JSON.stringify(notFoundStatus()));
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
      deps.logger.error({ err, method: request.method, url: request.url }, 'request failed');
      return sendError(reply, internalError(err instanceof Error ? err.message : String(err)));
    }
  };
  for (const prefix of ['/api/*', '/apis/*']) {
    app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: prefix, handler: resourceHandler });
  }
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).header('Content-Type', 'application/json').send(JSON.stringify(notFoundStatus())),
  );
  return app;
}
