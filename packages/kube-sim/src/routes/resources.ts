import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { negotiateRepresentation } from '../content-negotiation.js';
import { ApiError, badRequest, methodNotAllowed, notFound, unsupportedMediaType } from '../errors.js';
import { encodeObject } from '../encoded-json.js';
import { decodeKubernetesProtobuf, ProtobufDecodeError } from '../protobuf/decode.js';
import { applyJsonPatch, applyMergePatch, patchTypeOf } from '../patch.js';
import type { DeleteOptions } from '../object-deletion.js';
import type { ResourceApi } from '../resource-api.js';
import { refOf } from '../resource-ref.js';
import type { FieldValidation, WriteOptions } from '../write-admission.js';
import type { ResourceType } from '../resource-registry.js';
import type { ResourcePath } from '../request-path.js';
import { parseFieldSelector, parseLabelSelector } from '../selectors.js';
import { partialObjectMetadata, toTable } from '../tables.js';
import type { KubeObject } from '../types.js';
import { isPlainObject } from '../types.js';
import type { WatchHub } from '../watch-stream.js';
import { podLog } from './pod-logs.js';
import { answerReview } from './reviews.js';
import { handleEviction, handleScale, handleTokenRequest } from './subresources.js';

/** What a resource request is read for: fastify's request, or http-server.ts's plain node:http one. */
export interface ResourceRequest {
  readonly method: string;
  /** The parsed query string (a repeated key's values as an array). */
  readonly query: unknown;
  readonly headers: IncomingHttpHeaders;
  /** The body as text, or as bytes for protobuf; undefined when the request had none. */
  readonly body: unknown;
}

/** How a resource request is answered (fastify's reply has this shape; so has http-server.ts's plain one). */
export interface ResourceReply {
  code(statusCode: number): ResourceReply;
  header(name: string, value: string | string[]): ResourceReply;
  send(payload: string): ResourceReply;
  /** The response is written directly to `raw` from now on (watches). */
  hijack(): unknown;
  readonly raw: ServerResponse;
}

export interface ResourceRouteContext {
  api: ResourceApi;
  hub: WatchHub;
  tokenKey: Buffer;
}

type Query = Record<string, string | undefined>;

/**
 * A boolean query parameter as the API server converts it (apimachinery's Convert_Slice_string_To_bool): absent,
 * `0` and any case of `false` are false; every other value, `True`, `t` and the empty string included, is true.
 */
function flag(value: string | string[] | undefined): boolean {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return false;
  return first !== '0' && first.toLowerCase() !== 'false';
}

function intParam(query: Query, name: string): number | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw badRequest(`invalid ${name}: ${raw}`);
  return n;
}

/** The verb and resource a request counts as (the API server's audit/metrics vocabulary). */
export function verbOf(method: string, path: ResourcePath, query: Query): string {
  switch (method) {
    case 'GET':
      if (path.watchPath || flag(query.watch)) return 'watch';
      return path.name ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return path.name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

function parseBody(request: ResourceRequest): unknown {
  const raw = request.body;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const contentType = String(request.headers['content-type'] ?? 'application/json').toLowerCase();
  if (contentType.includes('protobuf') && Buffer.isBuffer(raw)) return parseProtobufBody(raw);
  const text =
    typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : JSON.stringify(raw);
  if (contentType.includes('protobuf') || contentType.includes('cbor')) throw unknownBodyFormat();
  try {
    if (contentType.includes('yaml')) return parseYaml(text) as unknown;
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(
      `the body of the request could not be decoded: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function unknownBodyFormat(): ApiError {
  return unsupportedMediaType(
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
  );
}

/** Built-in kinds kubectl's typed commands send as protobuf; anything else (custom resources) is 415 as upstream. */
function parseProtobufBody(raw: Buffer): unknown {
  try {
    return decodeKubernetesProtobuf(raw);
  } catch (err) {
    if (err instanceof ProtobufDecodeError) throw unknownBodyFormat();
    throw badRequest(`the body of the request could not be decoded: ${String(err)}`);
  }
}

function writeOptions(query: Query, version: string, warnings: string[]): WriteOptions {
  const fv = query.fieldValidation;
  if (fv !== undefined && fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
    throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got "${fv}"`);
  }
  const options: WriteOptions = { version, warnings, dryRun: query.dryRun === 'All' };
  if (fv) options.fieldValidation = fv as FieldValidation;
  return options;
}

function deleteOptions(query: Query, body: unknown): DeleteOptions {
  const options: DeleteOptions = {};
  const source: Record<string, unknown> = isPlainObject(body) ? body : {};
  const propagation = query.propagationPolicy ?? source.propagationPolicy;
  if (propagation !== undefined) {
    if (propagation !== 'Background' && propagation !== 'Foreground' && propagation !== 'Orphan') {
      throw badRequest(`propagationPolicy: Unsupported value: "${String(propagation)}"`);
    }
    options.propagationPolicy = propagation;
  }
  const grace = query.gracePeriodSeconds ?? source.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) options.gracePeriodSeconds = Number(grace);
  if (isPlainObject(source.preconditions)) {
    const pre = source.preconditions;
    options.preconditions = {};
    if (typeof pre.uid === 'string') options.preconditions.uid = pre.uid;
    if (typeof pre.resourceVersion === 'string') options.preconditions.resourceVersion = pre.resourceVersion;
  }
  const orphan = query.orphanDependents ?? source.orphanDependents;
  if (orphan !== undefined)
    options.orphanDependents = typeof orphan === 'string' ? flag(orphan) : orphan === true;
  if (query.dryRun === 'All' || (Array.isArray(source.dryRun) && source.dryRun.includes('All')))
    options.dryRun = true;
  return options;
}

function send(reply: ResourceReply, code: number, body: unknown, warnings: string[] = []): ResourceReply {
  return sendJson(reply, code, JSON.stringify(body), warnings);
}

/** An object the API returned (stored, or built for this answer alone): its text is shared with watch events. */
function sendObject(
  reply: ResourceReply,
  code: number,
  object: KubeObject,
  warnings: string[] = [],
): ResourceReply {
  return sendJson(reply, code, encodeObject(object), warnings);
}

function sendJson(reply: ResourceReply, code: number, json: string, warnings: string[]): ResourceReply {
  if (warnings.length)
    reply.header(
      'Warning',
      warnings.map((w) => `299 - ${JSON.stringify(w)}`),
    );
  return reply.code(code).header('Content-Type', 'application/json').send(json);
}

/** Serves one resource request: the REST verbs, subresources, Tables, metadata-only and watches. */
export function handleResourceRequest(
  ctx: ResourceRouteContext,
  type: ResourceType,
  path: ResourcePath,
  request: ResourceRequest,
  reply: ResourceReply,
): ResourceReply | undefined {
  const { api } = ctx;
  const query = request.query as Query;
  const method = request.method;
  const version = path.version;
  const namespace = type.namespaced ? path.namespace : undefined;
  const warnings: string[] = [];
  if (!type.namespaced && path.namespace) throw notFound(refOf(type), path.name ?? '');
  if (path.subresource && !type.subresources.includes(path.subresource)) {
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
  const verb = verbOf(method, path, query);
  if (type.review) {
    if (verb !== 'create' || path.name)
      throw methodNotAllowed(`the server does not allow this method on the requested resource`);
    return send(reply, 201, answerReview(type, parseBody(request)));
  }

  if (verb === 'watch') {
    const representation = negotiateRepresentation(request.headers.accept, query.includeObject);
    let fieldSelector = query.fieldSelector;
    if (path.name) fieldSelector = [`metadata.name=${path.name}`, fieldSelector].filter(Boolean).join(',');
    const request_ = {
      type,
      version,
      namespace,
      labelSelector: parseLabelSelector(query.labelSelector),
      fieldSelector: parseFieldSelector(fieldSelector, type.id),
      resourceVersion: query.resourceVersion,
      allowWatchBookmarks: flag(query.allowWatchBookmarks),
      sendInitialEvents: query.sendInitialEvents === undefined ? undefined : flag(query.sendInitialEvents),
      timeoutSeconds: intParam(query, 'timeoutSeconds'),
      representation,
    };
    reply.hijack();
    ctx.hub.open(request_, reply.raw);
    return undefined;
  }

  switch (verb) {
    case 'list': {
      const representation = negotiateRepresentation(request.headers.accept, query.includeObject);
      const limit = intParam(query, 'limit');
      const result = api.list(type, {
        namespace,
        labelSelector: query.labelSelector,
        fieldSelector: query.fieldSelector,
        limit,
        continue: query.continue,
        version,
      });
      const metadata: Record<string, unknown> = { resourceVersion: result.resourceVersion };
      if (result.continue) metadata.continue = result.continue;
      if (representation.kind === 'table') {
        return send(
          reply,
          200,
          toTable(type, result.items, { includeObject: representation.includeObject, version }, metadata),
        );
      }
      if (representation.kind === 'metadata') {
        return send(reply, 200, {
          kind: 'PartialObjectMetadataList',
          apiVersion: 'meta.k8s.io/v1',
          metadata,
          items: result.items.map(partialObjectMetadata),
        });
      }
      const apiVersion = type.group ? `${type.group}/${version}` : version;
      // Items of a built-in list carry no apiVersion/kind on the wire (the API server drops their TypeMeta);
      // custom resources' items keep theirs.
      const items = type.custom
        ? result.items
        : result.items.map(({ apiVersion: _v, kind: _k, ...rest }) => rest);
      return send(reply, 200, { kind: type.listKind, apiVersion, metadata, items });
    }
    case 'get': {
      if (path.subresource === 'log')
        return reply
          .code(200)
          .header('Content-Type', 'text/plain')
          .send(podLog(api.get(type, namespace, path.name!), query));
      if (path.subresource === 'scale')
        return send(reply, 200, handleScale(api, type, namespace, path.name!));
      const representation = negotiateRepresentation(request.headers.accept, query.includeObject);
      const object = api.present(type, api.get(type, namespace, path.name!), version);
      if (representation.kind === 'table') {
        return send(
          reply,
          200,
          toTable(type, [object], { includeObject: representation.includeObject, version }, {}),
        );
      }
      if (representation.kind === 'metadata') return send(reply, 200, partialObjectMetadata(object));
      return sendObject(reply, 200, object);
    }
    case 'create': {
      const body = parseBody(request);
      if (path.subresource === 'token')
        return send(reply, 201, handleTokenRequest(api, type, namespace, path.name!, body, ctx.tokenKey));
      if (path.subresource === 'eviction')
        return send(reply, 201, handleEviction(api, namespace, path.name!, body));
      if (path.name)
        throw methodNotAllowed(`the server does not allow this method on the requested resource`);
      const created = api.create(type, namespace, body, {
        ...writeOptions(query, version, warnings),
        privateBody: true,
      });
      return sendObject(reply, 201, created, warnings);
    }
    case 'update': {
      if (path.subresource === 'scale')
        return send(
          reply,
          200,
          handleScale(api, type, namespace, path.name!, { replace: parseBody(request) }),
        );
      if (path.subresource && path.subresource !== 'status')
        throw methodNotAllowed('the server does not allow this method on the requested resource');
      const options = {
        ...writeOptions(query, version, warnings),
        subresource: path.subresource === 'status' ? ('status' as const) : undefined,
      };
      const updated = api.update(type, namespace, path.name!, parseBody(request), options);
      return sendObject(reply, 200, updated, warnings);
    }
    case 'patch': {
      if (path.subresource && path.subresource !== 'status' && path.subresource !== 'scale')
        throw methodNotAllowed('the server does not allow this method on the requested resource');
      const patchType = patchTypeOf(request.headers['content-type']);
      if (!patchType) {
        throw unsupportedMediaType(
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${type.custom ? '' : ', application/strategic-merge-patch+json'}`,
        );
      }
      if (path.subresource === 'scale') {
        const body = parseBody(request);
        // A Scale has no lists, so a strategic merge patch is a merge patch.
        const patch = (scale: Record<string, unknown>) =>
          patchType === 'json' ? applyJsonPatch(scale, body) : applyMergePatch(scale, body);
        return send(reply, 200, handleScale(api, type, namespace, path.name!, { patch }));
      }
      const options = {
        ...writeOptions(query, version, warnings),
        subresource: path.subresource === 'status' ? ('status' as const) : undefined,
        fieldManager: query.fieldManager,
        force: flag(query.force),
      };
      const { object, created } = api.patch(
        type,
        namespace,
        path.name!,
        patchType,
        parseBody(request),
        options,
      );
      return sendObject(reply, created ? 201 : 200, object, warnings);
    }
    case 'delete': {
      const options = deleteOptions(query, parseBody(request));
      const result = api.delete(type, namespace, path.name!, options);
      const object = api.present(type, result.object, version);
      if (result.deleted && !type.custom && type.id !== '/pods' && type.id !== '/namespaces') {
        return send(reply, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: {
            name: path.name,
            ...(type.group ? { group: type.group } : {}),
            kind: type.plural,
            uid: result.object.metadata.uid,
          },
        });
      }
      // 202 only for a deletion still in progress that asked for orphanDependents=false (the API server's rule).
      return sendObject(reply, !result.deleted && options.orphanDependents === false ? 202 : 200, object);
    }
    case 'deletecollection': {
      const items = api.deleteCollection(
        type,
        { namespace, labelSelector: query.labelSelector, fieldSelector: query.fieldSelector, version },
        deleteOptions(query, parseBody(request)),
      );
      const apiVersion = type.group ? `${type.group}/${version}` : version;
      return send(reply, 200, {
        kind: type.listKind,
        apiVersion,
        metadata: { resourceVersion: String(api.store.resourceVersion) },
        items: items.map((o: KubeObject) => api.present(type, o, version)),
      });
    }
    default:
      throw methodNotAllowed('the server does not allow this method on the requested resource');
  }
}
