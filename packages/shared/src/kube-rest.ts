// The worker's Kubernetes REST client: plain JSON over node:http(s) on the process's one keep-alive agent.
//
// Why not @kubernetes/client-node's generated APIs: profiling the 1,000-session burst put ~60% of the worker's busy
// time inside them (ObjectSerializer converting every request and response model by model, node-fetch, and an
// http.Agent built per request only for SharedAgentKubeConfig to swap it). This client sends the same requests
// (verb, path, query, JSON body, Content-Type) and returns the server's JSON as it came, typed as it is on the wire
// (`Wire<T>`: timestamps are strings, not the `Date`s client-node's model types claim). The facades keep client-node's
// method names and parameter objects, so a call site reads the same; only what it reads back is typed honestly.
import http from 'node:http';
import https from 'node:https';
import type {
  ApiextensionsV1Api,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
  V1APIGroupList,
  VersionInfo,
} from '@kubernetes/client-node';
import { currentAbortSignal } from './abort-scope.js';
import { KubeConfigError } from './errors.js';
import type { Http1Pool, Http1Response } from './http1-pool.js';
import type { SharedAgentKubeConfig } from './k8s-client.js';

// --- Types: what the API server sends, not what client-node's models claim ---

/** `x_kubernetes_int_or_string` → `x-kubernetes-int-or-string`. */
type Hyphenate<S extends string> = S extends `${infer A}_${infer B}` ? `${A}-${Hyphenate<B>}` : S;

/** The JSON keys client-node 1.4.0's models rename (reserved words, dashes); the wire has the originals. */
type WireKey<K> = K extends '_continue'
  ? 'continue'
  : K extends '_default'
    ? 'default'
    : K extends '_enum'
      ? 'enum'
      : K extends '_from'
        ? 'from'
        : K extends '_int'
          ? 'int'
          : K extends `x_kubernetes_${string}`
            ? Hyphenate<K>
            : K;

/**
 * A client-node model type as JSON on the wire: every `Date` (metav1.Time, MicroTime) is the server's RFC 3339 string,
 * and renamed keys carry their JSON names. Only the model *types* are imported; nothing of client-node runs.
 */
export type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer E)[]
    ? Wire<E>[]
    : T extends object
      ? { [K in keyof T as WireKey<K>]: Wire<T[K]> }
      : T;

/**
 * What a request may carry: a model in its wire form (JSON names), where a `Date` is also accepted. A `Date` is sent as `toISOString()`, exactly as
 * client-node serializes one (so a MicroTime such as events.k8s.io `eventTime` must be passed as a string with six
 * fractional digits: a real API server rejects three).
 */
export type WireIn<T> = T extends Date
  ? string | Date
  : T extends readonly (infer E)[]
    ? readonly WireIn<E>[]
    : T extends object
      ? { [K in keyof T as WireKey<K>]: WireIn<T[K]> }
      : T;

/**
 * A time as the API server's MicroTime: RFC 3339 with exactly six fractional digits (events.k8s.io `eventTime` and
 * `series.lastObservedTime`, a Lease's `acquireTime` and `renewTime`). `Date.toISOString()`'s three are refused.
 */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Per-call options (the second argument, where client-node takes its ConfigurationOptions). */
export interface CallOptions {
  /** Content-Type of the body; a patch must say which strategy it uses (see {@link mergePatch}). */
  contentType?: string;
}

/** A JSON merge patch (RFC 7386). */
export const mergePatch = { contentType: 'application/merge-patch+json' } as const satisfies CallOptions;
/** A JSON patch (RFC 6902). */
export const jsonPatch = { contentType: 'application/json-patch+json' } as const satisfies CallOptions;
/** A strategic merge patch (built-in kinds only). */
export const strategicMergePatch = {
  contentType: 'application/strategic-merge-patch+json',
} as const satisfies CallOptions;

type PatchOptions = CallOptions & { contentType: string };

/**
 * The lean form of a client-node API class's method `F`: same parameter object, JSON answer. A patch must name its
 * Content-Type (client-node would silently pick JSON patch). Custom objects are `unknown`: parse them.
 */
type LeanMethod<Name, F> = F extends (param: infer P, ...rest: never[]) => Promise<infer R>
  ? Name extends `patch${string}`
    ? (param: WireIn<P>, options: PatchOptions) => Promise<LeanResult<R>>
    : (param: WireIn<P>, options?: CallOptions) => Promise<LeanResult<R>>
  : never;

/** client-node types custom objects as `any`; what comes back is unknown until parsed. */
type LeanResult<R> = 0 extends 1 & R ? unknown : Wire<R>;

type LeanApi<Api, K extends keyof Api> = { [M in K]: LeanMethod<M, Api[M]> };

// --- The request ---

/** An API server answer outside 2xx. Shaped like client-node's ApiException (numeric `code`, `body` the response text), so shared/errors.ts classifies both. */
export class KubeApiError extends Error {
  /** The HTTP status. */
  readonly code: number;
  /** The response text (a `Status` object's JSON, normally). */
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;

  constructor(method: string, path: string, code: number, body: string, headers: http.IncomingHttpHeaders) {
    // A 404 or 409 is an answer the reconcile acts on (absent: create it; exists: read it), not a failure to trace:
    // no stack is captured for them (its frames would only name this file's request anyway, after the await).
    const stackTraceLimit = Error.stackTraceLimit;
    if (code === 404 || code === 409) Error.stackTraceLimit = 0;
    super(`${method} ${path}: HTTP ${code}${statusSummary(body)}`);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'KubeApiError';
    this.code = code;
    this.body = body;
    this.headers = headers;
  }
}

function statusSummary(body: string): string {
  try {
    const status: unknown = JSON.parse(body);
    if (typeof status === 'object' && status !== null) {
      const { reason, message } = status as { reason?: unknown; message?: unknown };
      const parts = [reason, message].filter((p): p is string => typeof p === 'string' && p !== '');
      if (parts.length > 0) return ` ${parts.join(': ')}`;
    }
  } catch {
    // not JSON: the body is kept on the error, the message stays short
  }
  return '';
}

/** The reconcile's signal aborted the request (the name node-fetch used, which classifyError maps to retryable). */
class RequestAbortedError extends Error {
  constructor(method: string, path: string, reason: unknown) {
    super(`${method} ${path}: aborted`, { cause: reason });
    this.name = 'AbortError';
  }
}

/** No response headers within the timeout (ETIMEDOUT: classifyError's retryable TIMEOUT). */
class HeaderTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(method: string, path: string, timeoutMs: number) {
    super(`${method} ${path}: no response within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

export interface KubeRestOptions {
  /** A request fails when its response headers have not arrived in time, in ms. @defaultValue 30000 */
  headerTimeoutMs?: number;
}

type QueryValue = string | number | boolean | undefined;

/** What node:http refuses in a request path (its ERR_UNESCAPED_CHARACTERS). */
const INVALID_PATH = /[^\u0021-\u00ff]/;

/** `Name: value\r\n`, refusing what node:http refuses in a header (a CR, LF or NUL would split the request). */
function headerLine(name: string, value: string): string {
  if (/[^\t\x20-\x7e\x80-\xff]/.test(value) || !/^[\w!#$%&'*+.^`|~-]+$/.test(name))
    throw new TypeError(`invalid character in the ${name} header`);
  return `${name}: ${value}\r\n`;
}

/** One request as `request()` prepared it, for whichever way it is sent. */
interface Outgoing {
  method: string;
  /** The API path, as errors name it. */
  path: string;
  /** The path on the wire: the server's base path, the API path and the query. */
  requestPath: string;
  /** Authentication headers (KubeConfig.requestHeaders). */
  auth: Record<string, string>;
  payload: string | undefined;
  contentType: string;
  signal: AbortSignal | undefined;
}

/** One request, JSON in and out, on the KubeConfig's shared agent, carrying the current reconcile's abort signal. */
export class KubeRest {
  readonly #kc: SharedAgentKubeConfig;
  /** The server's URL parts, parsed once: a request names them instead of a URL string node:http would parse again. */
  readonly #target: { protocol: string; hostname: string; port: string; basePath: string };
  readonly #secure: boolean;
  readonly #headerTimeoutMs: number;

  constructor(kc: SharedAgentKubeConfig, options: KubeRestOptions = {}) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new KubeConfigError('kubeconfig has no current cluster');
    this.#kc = kc;
    const server = new URL(cluster.server);
    this.#target = {
      protocol: server.protocol,
      // node:http wants an IPv6 literal without its brackets.
      hostname: server.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: server.port,
      basePath: server.pathname.replace(/\/$/, ''),
    };
    this.#secure = server.protocol === 'https:';
    this.#headerTimeoutMs = options.headerTimeoutMs ?? 30_000;
  }

  async request(
    method: string,
    path: string,
    query: Readonly<Record<string, QueryValue>> | undefined,
    body: unknown,
    contentType = 'application/json',
  ): Promise<unknown> {
    const signal = currentAbortSignal();
    if (signal?.aborted) throw new RequestAbortedError(method, path, signal.reason);
    const target = this.#target;
    let requestPath = target.basePath + path;
    if (query) {
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) search.set(k, String(v));
      const qs = search.toString();
      if (qs) requestPath += `?${qs}`;
    }
    const [connections, auth] = await Promise.all([this.#kc.sharedConnections(), this.#kc.requestHeaders()]);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const outgoing: Outgoing = { method, path, requestPath, auth, payload, contentType, signal };
    const {
      status,
      text,
      headers: responseHeaders,
    } = connections ? await this.#send(connections, outgoing) : await this.#sendThroughAgent(outgoing);
    if (status < 200 || status > 299) throw new KubeApiError(method, path, status, text, responseHeaders);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }

  /** On the lean keep-alive connections (http1-pool.ts): headers checked as node:http checks them. */
  #send(
    connections: Http1Pool,
    { method, path, requestPath, auth, payload, contentType, signal }: Outgoing,
  ): Promise<Http1Response> {
    if (INVALID_PATH.test(requestPath))
      throw new TypeError(`${method} ${path}: the request path contains unescaped characters`);
    let headerLines = 'Accept: application/json\r\n';
    for (const [name, value] of Object.entries(auth)) headerLines += headerLine(name, value);
    if (payload !== undefined) headerLines += headerLine('Content-Type', contentType);
    return connections.request(method, requestPath, headerLines, payload, {
      signal,
      onAbort: () => new RequestAbortedError(method, path, signal?.reason),
      headerTimeoutMs: this.#headerTimeoutMs,
      onHeaderTimeout: () => new HeaderTimeoutError(method, path, this.#headerTimeoutMs),
    });
  }

  /** Through node:http on the shared agent: only behind a proxy-url, whose agent opens the connections. */
  async #sendThroughAgent({
    method,
    path,
    requestPath,
    auth,
    payload,
    contentType,
    signal,
  }: Outgoing): Promise<Http1Response> {
    const agent = await this.#kc.sharedAgent();
    const target = this.#target;
    const headers: http.OutgoingHttpHeaders = { ...auth, Accept: 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    return new Promise<Http1Response>((resolve, reject) => {
      const options: http.RequestOptions = {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        path: requestPath,
        method,
        headers,
        agent,
      };
      const req = (this.#secure ? https : http).request(options, (res) => {
        clearTimeout(timer);
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
        res.once('error', reject);
      });
      const timer = setTimeout(
        () => req.destroy(new HeaderTimeoutError(method, path, this.#headerTimeoutMs)),
        this.#headerTimeoutMs,
      );
      const onAbort = () => req.destroy(new RequestAbortedError(method, path, signal?.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
      req.once('close', () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      });
      req.once('error', reject);
      req.end(payload);
    });
  }
}

// --- The facades: client-node's method names and parameter objects ---

type Params = object;
type Op = (param?: Params, options?: CallOptions) => Promise<never>;

/** Path parameters in `{braces}`; every other parameter but `body` is a query parameter (client-node's `_continue` too, as `continue`). */
function op(rest: KubeRest, method: string, template: string): Op {
  const pathKeys = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return async (param = {}, options) => {
    const values = param as Record<string, unknown>;
    const path = template.replace(/\{(\w+)\}/g, (_, key: string) => {
      const value = values[key];
      if (value === undefined || value === null)
        throw new TypeError(`${method} ${template}: parameter "${key}" is required`);
      return encodeURIComponent(String(value as string));
    });
    let query: Record<string, QueryValue> | undefined;
    for (const [key, value] of Object.entries(values)) {
      if (key === 'body' || value === undefined || pathKeys.includes(key)) continue;
      query ??= {};
      query[key === '_continue' ? 'continue' : key] = value as QueryValue;
    }
    return (await rest.request(method, path, query, values['body'], options?.contentType)) as never;
  };
}

/** GET/POST/PUT/PATCH/DELETE of one kind's collection and items, under `prefix` (`/api/v1`, `/apis/batch/v1`). */
function kindOps(rest: KubeRest, prefix: string, plural: string) {
  const collection = `${prefix}/namespaces/{namespace}/${plural}`;
  const item = `${collection}/{name}`;
  return {
    list: op(rest, 'GET', collection),
    create: op(rest, 'POST', collection),
    read: op(rest, 'GET', item),
    replace: op(rest, 'PUT', item),
    patch: op(rest, 'PATCH', item),
    remove: op(rest, 'DELETE', item),
  };
}

export type LeanCoreV1Api = LeanApi<
  CoreV1Api,
  | 'readNamespace'
  | 'createNamespace'
  | 'patchNamespace'
  | 'deleteNamespace'
  | 'readNamespacedSecret'
  | 'createNamespacedSecret'
  | 'replaceNamespacedSecret'
  | 'patchNamespacedSecret'
  | 'deleteNamespacedSecret'
  | 'readNamespacedConfigMap'
  | 'listNamespacedConfigMap'
  | 'createNamespacedConfigMap'
  | 'replaceNamespacedConfigMap'
  | 'patchNamespacedConfigMap'
  | 'deleteNamespacedConfigMap'
  | 'readNamespacedService'
  | 'listNamespacedService'
  | 'createNamespacedService'
  | 'replaceNamespacedService'
  | 'patchNamespacedService'
  | 'deleteNamespacedService'
  | 'readNamespacedServiceAccount'
  | 'createNamespacedServiceAccount'
  | 'patchNamespacedServiceAccount'
  | 'createNamespacedServiceAccountToken'
  | 'listNamespacedPod'
  | 'deleteNamespacedPod'
  | 'listNamespacedEvent'
  | 'createNamespacedEvent'
  | 'patchNamespacedEvent'
  | 'readNamespacedLimitRange'
  | 'createNamespacedLimitRange'
  | 'replaceNamespacedLimitRange'
>;

function coreV1(rest: KubeRest): LeanCoreV1Api {
  const p = '/api/v1';
  const secrets = kindOps(rest, p, 'secrets');
  const configMaps = kindOps(rest, p, 'configmaps');
  const services = kindOps(rest, p, 'services');
  const serviceAccounts = kindOps(rest, p, 'serviceaccounts');
  const pods = kindOps(rest, p, 'pods');
  const events = kindOps(rest, p, 'events');
  const limitRanges = kindOps(rest, p, 'limitranges');
  return {
    readNamespace: op(rest, 'GET', `${p}/namespaces/{name}`),
    createNamespace: op(rest, 'POST', `${p}/namespaces`),
    patchNamespace: op(rest, 'PATCH', `${p}/namespaces/{name}`),
    deleteNamespace: op(rest, 'DELETE', `${p}/namespaces/{name}`),
    readNamespacedSecret: secrets.read,
    createNamespacedSecret: secrets.create,
    replaceNamespacedSecret: secrets.replace,
    patchNamespacedSecret: secrets.patch,
    deleteNamespacedSecret: secrets.remove,
    readNamespacedConfigMap: configMaps.read,
    listNamespacedConfigMap: configMaps.list,
    createNamespacedConfigMap: configMaps.create,
    replaceNamespacedConfigMap: configMaps.replace,
    patchNamespacedConfigMap: configMaps.patch,
    deleteNamespacedConfigMap: configMaps.remove,
    readNamespacedService: services.read,
    listNamespacedService: services.list,
    createNamespacedService: services.create,
    replaceNamespacedService: services.replace,
    patchNamespacedService: services.patch,
    deleteNamespacedService: services.remove,
    readNamespacedServiceAccount: serviceAccounts.read,
    createNamespacedServiceAccount: serviceAccounts.create,
    patchNamespacedServiceAccount: serviceAccounts.patch,
    createNamespacedServiceAccountToken: op(
      rest,
      'POST',
      `${p}/namespaces/{namespace}/serviceaccounts/{name}/token`,
    ),
    listNamespacedPod: pods.list,
    deleteNamespacedPod: pods.remove,
    listNamespacedEvent: events.list,
    createNamespacedEvent: events.create,
    patchNamespacedEvent: events.patch,
    readNamespacedLimitRange: limitRanges.read,
    createNamespacedLimitRange: limitRanges.create,
    replaceNamespacedLimitRange: limitRanges.replace,
  };
}

export type LeanBatchV1Api = LeanApi<
  BatchV1Api,
  'readNamespacedJob' | 'listNamespacedJob' | 'createNamespacedJob' | 'deleteNamespacedJob'
>;

function batchV1(rest: KubeRest): LeanBatchV1Api {
  const jobs = kindOps(rest, '/apis/batch/v1', 'jobs');
  return {
    readNamespacedJob: jobs.read,
    listNamespacedJob: jobs.list,
    createNamespacedJob: jobs.create,
    deleteNamespacedJob: jobs.remove,
  };
}

export type LeanAppsV1Api = LeanApi<
  AppsV1Api,
  | 'listNamespacedDeployment'
  | 'createNamespacedDeployment'
  | 'replaceNamespacedDeployment'
  | 'deleteNamespacedDeployment'
>;

function appsV1(rest: KubeRest): LeanAppsV1Api {
  const deployments = kindOps(rest, '/apis/apps/v1', 'deployments');
  return {
    listNamespacedDeployment: deployments.list,
    createNamespacedDeployment: deployments.create,
    replaceNamespacedDeployment: deployments.replace,
    deleteNamespacedDeployment: deployments.remove,
  };
}

export type LeanRbacAuthorizationV1Api = LeanApi<
  RbacAuthorizationV1Api,
  | 'readNamespacedRole'
  | 'createNamespacedRole'
  | 'replaceNamespacedRole'
  | 'patchNamespacedRole'
  | 'readNamespacedRoleBinding'
  | 'listNamespacedRoleBinding'
  | 'createNamespacedRoleBinding'
  | 'replaceNamespacedRoleBinding'
  | 'patchNamespacedRoleBinding'
  | 'deleteNamespacedRoleBinding'
>;

function rbacV1(rest: KubeRest): LeanRbacAuthorizationV1Api {
  const p = '/apis/rbac.authorization.k8s.io/v1';
  const roles = kindOps(rest, p, 'roles');
  const bindings = kindOps(rest, p, 'rolebindings');
  return {
    readNamespacedRole: roles.read,
    createNamespacedRole: roles.create,
    replaceNamespacedRole: roles.replace,
    patchNamespacedRole: roles.patch,
    readNamespacedRoleBinding: bindings.read,
    listNamespacedRoleBinding: bindings.list,
    createNamespacedRoleBinding: bindings.create,
    replaceNamespacedRoleBinding: bindings.replace,
    patchNamespacedRoleBinding: bindings.patch,
    deleteNamespacedRoleBinding: bindings.remove,
  };
}

export type LeanNetworkingV1Api = LeanApi<
  NetworkingV1Api,
  | 'readNamespacedNetworkPolicy'
  | 'listNamespacedNetworkPolicy'
  | 'createNamespacedNetworkPolicy'
  | 'replaceNamespacedNetworkPolicy'
  | 'deleteNamespacedNetworkPolicy'
  | 'listNamespacedIngress'
  | 'createNamespacedIngress'
  | 'replaceNamespacedIngress'
  | 'deleteNamespacedIngress'
>;

function networkingV1(rest: KubeRest): LeanNetworkingV1Api {
  const p = '/apis/networking.k8s.io/v1';
  const policies = kindOps(rest, p, 'networkpolicies');
  const ingresses = kindOps(rest, p, 'ingresses');
  return {
    readNamespacedNetworkPolicy: policies.read,
    listNamespacedNetworkPolicy: policies.list,
    createNamespacedNetworkPolicy: policies.create,
    replaceNamespacedNetworkPolicy: policies.replace,
    deleteNamespacedNetworkPolicy: policies.remove,
    listNamespacedIngress: ingresses.list,
    createNamespacedIngress: ingresses.create,
    replaceNamespacedIngress: ingresses.replace,
    deleteNamespacedIngress: ingresses.remove,
  };
}

export type LeanEventsV1Api = LeanApi<
  EventsV1Api,
  'readNamespacedEvent' | 'createNamespacedEvent' | 'patchNamespacedEvent'
>;

function eventsV1(rest: KubeRest): LeanEventsV1Api {
  const events = kindOps(rest, '/apis/events.k8s.io/v1', 'events');
  return {
    readNamespacedEvent: events.read,
    createNamespacedEvent: events.create,
    patchNamespacedEvent: events.patch,
  };
}

export type LeanCustomObjectsApi = LeanApi<
  CustomObjectsApi,
  | 'getNamespacedCustomObject'
  | 'listNamespacedCustomObject'
  | 'listClusterCustomObject'
  | 'createNamespacedCustomObject'
  | 'replaceNamespacedCustomObject'
  | 'patchNamespacedCustomObject'
  | 'patchNamespacedCustomObjectStatus'
  | 'deleteNamespacedCustomObject'
>;

function customObjects(rest: KubeRest): LeanCustomObjectsApi {
  const collection = '/apis/{group}/{version}/namespaces/{namespace}/{plural}';
  const item = `${collection}/{name}`;
  return {
    getNamespacedCustomObject: op(rest, 'GET', item),
    listNamespacedCustomObject: op(rest, 'GET', collection),
    listClusterCustomObject: op(rest, 'GET', '/apis/{group}/{version}/{plural}'),
    createNamespacedCustomObject: op(rest, 'POST', collection),
    replaceNamespacedCustomObject: op(rest, 'PUT', item),
    patchNamespacedCustomObject: op(rest, 'PATCH', item),
    patchNamespacedCustomObjectStatus: op(rest, 'PATCH', `${item}/status`),
    deleteNamespacedCustomObject: op(rest, 'DELETE', item),
  };
}

/** The API clients the worker uses: client-node's names and parameters, plain JSON answers (see the file comment). */
export interface KubeClients {
  /** `/version`, for what the server supports (e.g. native sidecars from 1.29). */
  version: { getCode: () => Promise<Wire<VersionInfo>> };
  /** `/apis` discovery, e.g. whether OpenShift's security.openshift.io is served. */
  apis: { getAPIVersions: () => Promise<Wire<V1APIGroupList>> };
  /** CustomResourceDefinitions (read only: the worker checks the AgenticSession schema at start). */
  apiextensions: LeanApi<ApiextensionsV1Api, 'readCustomResourceDefinition'>;
  core: LeanCoreV1Api;
  apps: LeanAppsV1Api;
  batch: LeanBatchV1Api;
  customObjects: LeanCustomObjectsApi;
  rbac: LeanRbacAuthorizationV1Api;
  networking: LeanNetworkingV1Api;
  events: LeanEventsV1Api;
}

/**
 * The worker's clients over one {@link KubeRest}: every request rides the KubeConfig's shared keep-alive agent and
 * carries the abort signal of the reconcile it is made in ({@link currentAbortSignal}).
 */
export function makeKubeClients(kc: SharedAgentKubeConfig, options: KubeRestOptions = {}): KubeClients {
  const rest = new KubeRest(kc, options);
  return {
    version: { getCode: op(rest, 'GET', '/version') },
    apis: { getAPIVersions: op(rest, 'GET', '/apis') },
    apiextensions: {
      readCustomResourceDefinition: op(
        rest,
        'GET',
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}',
      ),
    },
    core: coreV1(rest),
    apps: appsV1(rest),
    batch: batchV1(rest),
    customObjects: customObjects(rest),
    rbac: rbacV1(rest),
    networking: networkingV1(rest),
    events: eventsV1(rest),
  };
}
