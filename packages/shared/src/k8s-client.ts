import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIP, isIPv6, type Socket } from 'node:net';
import path from 'node:path';
import {
  ApiextensionsV1Api,
  ApisApi,
  BatchV1Api,
  CoordinationV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
  VersionApi,
  ServerConfiguration,
  createConfiguration,
  type Cluster,
  type RequestContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';
import { currentAbortSignal } from './abort-scope.js';
import { KubeConfigError } from './errors.js';
import { Http1Pool } from './http1-pool.js';

/** Options of the one keep-alive agent every API client and watch of a KubeConfig shares. */
export interface SharedAgentOptions {
  /** Upper bound of concurrent sockets to the API server (watches hold one each). @defaultValue Infinity */
  maxSockets?: number;
  /** Idle sockets kept open for reuse. @defaultValue 32 */
  maxFreeSockets?: number;
  /** TCP keep-alive probe delay on idle sockets, in ms. @defaultValue 30000 */
  keepAliveMsecs?: number;
}

export interface CreateKubeConfigOptions {
  /** Explicit kubeconfig file; wins over everything else. */
  kubeconfigPath?: string;
  /**
   * Environment to read `KUBECONFIG`, `KUBERNETES_SERVICE_HOST`/`_PORT` and `HOME` from. Entry points
   * pass `process.env` (this module never reads it itself).
   */
  env: Readonly<Record<string, string | undefined>>;
  /** Where the in-cluster service-account files live. @defaultValue `/var/run/secrets/kubernetes.io/serviceaccount` */
  serviceAccountDir?: string;
  /** Tuning of the shared keep-alive agent. */
  agent?: SharedAgentOptions;
}

export const DEFAULT_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * A KubeConfig whose API clients and watches all use ONE keep-alive agent.
 *
 * Why: @kubernetes/client-node 1.4.0 builds a fresh `http(s).Agent` (keepAlive off) inside
 * `applySecurityAuthentication` (every generated API call) and `applyToHTTPSOptions` (watches, logs,
 * exec), so each request opens a new TCP/TLS connection. Both methods are public and are the points
 * the library itself calls, so we let them do their work (auth headers, TLS material) and then swap
 * in the shared agent. The agent is built once, from the TLS material of the first request.
 * Limits: with a `proxy-url` cluster the library's first (proxy) agent is reused as is; a client
 * certificate from an exec plugin is fixed at the first request (tokens rotate normally: they are
 * headers, re-read per request).
 */
/** client-node 1.4.0's KubeConfig method that puts a user's credentials in the headers (private in its typings). */
interface PrivateKubeConfig {
  applyAuthorizationHeader(opts: https.RequestOptions): Promise<void>;
}

export class SharedAgentKubeConfig extends KubeConfig {
  #agentPromise: Promise<http.Agent> | undefined;
  #agent: http.Agent | undefined;
  #connectionsPromise: Promise<Http1Pool | undefined> | undefined;
  #connections: Http1Pool | undefined;
  readonly #agentOptions: SharedAgentOptions;

  constructor(agentOptions: SharedAgentOptions = {}) {
    super();
    this.#agentOptions = agentOptions;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setAgent(await this.sharedAgent());
  }

  override async applyToHTTPSOptions(opts: Parameters<KubeConfig['applyToHTTPSOptions']>[0]): Promise<void> {
    await super.applyToHTTPSOptions(opts);
    (opts as { agent?: http.Agent }).agent = await this.sharedAgent();
  }

  /** The process-wide agent (created on first use). */
  sharedAgent(): Promise<http.Agent> {
    this.#agentPromise ??= this.#createAgent().then((agent) => (this.#agent = agent));
    return this.#agentPromise;
  }

  /**
   * The lean client's keep-alive connections (kube-rest.ts, http1-pool.ts), opened by the shared agent's own
   * createConnection with its TLS options and bounded by its maxSockets and maxFreeSockets (a pool of their own: the
   * agent hands sockets only to node:http requests). Undefined behind a proxy-url, where requests go through the agent.
   */
  sharedConnections(): Promise<Http1Pool | undefined> {
    this.#connectionsPromise ??= this.sharedAgent().then((agent) => {
      const cluster = this.getCurrentCluster();
      if (!cluster || cluster.proxyUrl) return undefined;
      const server = new URL(cluster.server);
      const secure = server.protocol === 'https:';
      const host = server.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = Number(server.port || (secure ? 443 : 80));
      const agentOptions = (agent as https.Agent).options;
      // As node:http's agent names the TLS server: SNI is a host name, never an IP address.
      const servername = agentOptions.servername ?? (isIP(host) ? '' : host);
      this.#connections = new Http1Pool({
        connect: () =>
          (agent as https.Agent).createConnection({ ...agentOptions, host, port, servername }) as Socket,
        host: server.host,
        maxFree: this.#agentOptions.maxFreeSockets ?? 32,
        maxSockets: this.#agentOptions.maxSockets ?? Infinity,
        keepAliveMsecs: this.#agentOptions.keepAliveMsecs ?? 30_000,
      });
      return this.#connections;
    });
    return this.#connectionsPromise;
  }

  /**
   * The headers that authenticate one request (bearer token, basic auth, impersonation), as the library computes
   * them per request: a token file or exec plugin is re-read when it rotates. Unlike the library's public entry
   * points this reads no TLS files and builds no agent (the TLS material lives in {@link sharedAgent}).
   */
  async requestHeaders(): Promise<Record<string, string>> {
    const opts: https.RequestOptions & { headers: Record<string, string> } = { headers: {} };
    // applyAuthorizationHeader is private in client-node 1.4.0's typings only; it is what applyOptions calls.
    await (this as unknown as PrivateKubeConfig).applyAuthorizationHeader(opts);
    const user = this.getCurrentUser();
    if (user?.impersonateUser != null) opts.headers['Impersonate-User'] = user.impersonateUser;
    if (user?.username)
      opts.headers['Authorization'] =
        `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
    return opts.headers;
  }

  /** Close idle sockets and stop reusing the agent (shutdown, tests). A later request makes a new one. */
  destroyAgent(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
    this.#agentPromise = undefined;
    this.#connections?.destroy();
    this.#connections = undefined;
    this.#connectionsPromise = undefined;
  }

  async #createAgent(): Promise<http.Agent> {
    const scratch: https.RequestOptions = {};
    await super.applyToHTTPSOptions(scratch); // TLS material exactly as the library computes it
    const cluster = this.getCurrentCluster();
    if (cluster?.proxyUrl && scratch.agent instanceof http.Agent) return scratch.agent;
    const base = {
      keepAlive: true,
      keepAliveMsecs: this.#agentOptions.keepAliveMsecs ?? 30_000,
      maxSockets: this.#agentOptions.maxSockets ?? Infinity,
      maxFreeSockets: this.#agentOptions.maxFreeSockets ?? 32,
    };
    if (cluster?.server.startsWith('http:')) return new http.Agent(base);
    return new https.Agent({
      ...base,
      ca: scratch.ca,
      cert: scratch.cert,
      key: scratch.key,
      pfx: scratch.pfx,
      passphrase: scratch.passphrase,
      servername: scratch.servername,
      ...(scratch.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: scratch.rejectUnauthorized }),
    });
  }
}

function loadFiles(kc: KubeConfig, files: readonly string[], source: string): void {
  const [first, ...rest] = files;
  for (const file of files) {
    if (!existsSync(file)) throw new KubeConfigError(`${source}: kubeconfig file ${file} does not exist`);
  }
  try {
    kc.loadFromFile(first!);
    for (const file of rest) {
      const extra = new KubeConfig();
      extra.loadFromFile(file);
      kc.mergeConfig(extra, true);
    }
  } catch (err) {
    throw new KubeConfigError(
      `${source}: cannot load kubeconfig ${files.join(path.delimiter)}: ${String(err)}`,
      {
        cause: err,
      },
    );
  }
}

/** In-cluster config from the passed env (the library's loadFromCluster reads process.env itself). */
function loadInCluster(kc: KubeConfig, host: string, port: string, dir: string): void {
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const server = `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  const namespaceFile = path.join(dir, 'namespace');
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined;
  kc.loadFromOptions({
    // client-node refuses plain http unless skipTLSVerify is set; there is no TLS to verify then.
    clusters: [
      { name: 'inCluster', server, caFile: path.join(dir, 'ca.crt'), skipTLSVerify: scheme === 'http' },
    ],
    users: [
      {
        name: 'inClusterUser',
        authProvider: { name: 'tokenFile', config: { tokenFile: path.join(dir, 'token') } },
      },
    ],
    contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser', namespace }],
    currentContext: 'inClusterContext',
  });
}

function checkUsable(kc: KubeConfig, source: string): void {
  const contextName = kc.getCurrentContext();
  const context = contextName ? kc.getContextObject(contextName) : null;
  if (!context) throw new KubeConfigError(`${source}: current context "${contextName ?? ''}" is not defined`);
  const cluster: Cluster | null = kc.getCluster(context.cluster);
  if (!cluster)
    throw new KubeConfigError(
      `${source}: cluster "${context.cluster}" of context "${context.name}" is not defined`,
    );
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    throw new KubeConfigError(
      `${source}: cluster "${cluster.name}" has no valid server URL ("${cluster.server}")`,
    );
  }
  if (url.protocol === 'http:' && !cluster.skipTLSVerify) {
    // client-node would throw this on every request; say it once, clearly, at startup.
    throw new KubeConfigError(
      `${source}: cluster "${cluster.name}" uses plain http (${cluster.server}); set insecure-skip-tls-verify: true to allow it`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KubeConfigError(
      `${source}: cluster "${cluster.name}" server must be http(s), got ${cluster.server}`,
    );
  }
}

/**
 * Load the cluster connection the way controller-runtime does, in order: the explicit path, then
 * `KUBECONFIG` (`:`-separated, merged), then the in-cluster service account (`KUBERNETES_SERVICE_HOST`
 * and its token file), then `$HOME/.kube/config`. Throws {@link KubeConfigError} when none exists:
 * client-node would silently fall back to http://localhost:8080, which we never allow.
 */
export function createKubeConfig(options: CreateKubeConfigOptions): SharedAgentKubeConfig {
  const { env } = options;
  const kc = new SharedAgentKubeConfig(options.agent);
  const saDir = options.serviceAccountDir ?? DEFAULT_SERVICE_ACCOUNT_DIR;
  const homeConfig = env['HOME'] ? path.join(env['HOME'], '.kube', 'config') : undefined;
  let source: string;
  if (options.kubeconfigPath) {
    source = `kubeconfig ${options.kubeconfigPath}`;
    loadFiles(kc, [options.kubeconfigPath], source);
  } else if (env['KUBECONFIG']) {
    source = `KUBECONFIG=${env['KUBECONFIG']}`;
    loadFiles(kc, env['KUBECONFIG'].split(path.delimiter).filter(Boolean), source);
  } else if (env['KUBERNETES_SERVICE_HOST'] && existsSync(path.join(saDir, 'token'))) {
    source = `in-cluster service account (${saDir})`;
    loadInCluster(kc, env['KUBERNETES_SERVICE_HOST'], env['KUBERNETES_SERVICE_PORT'] ?? '443', saDir);
  } else if (homeConfig && existsSync(homeConfig)) {
    source = `kubeconfig ${homeConfig}`;
    loadFiles(kc, [homeConfig], source);
  } else {
    throw new KubeConfigError(
      'no Kubernetes configuration found: pass a kubeconfig path, set KUBECONFIG, run in a pod ' +
        `(KUBERNETES_SERVICE_HOST and ${path.join(saDir, 'token')}), or create ${homeConfig ?? '$HOME/.kube/config'}`,
    );
  }
  checkUsable(kc, source);
  return kc;
}

/**
 * client-node's generated API clients, all sharing the KubeConfig's one agent. The worker's hot paths use
 * {@link makeKubeClients} (kube-rest.ts) instead: same methods, no model conversion; these remain for the dashboard,
 * the event recorder and tests.
 */
export interface ApiClients {
  /** `/version`, for what the server supports (e.g. native sidecars from 1.29). */
  version: VersionApi;
  /** `/apis` discovery, e.g. whether OpenShift's security.openshift.io is served. */
  apis: ApisApi;
  /** CustomResourceDefinitions (read only: the worker checks the AgenticSession schema at start). */
  apiextensions: ApiextensionsV1Api;
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  coordination: CoordinationV1Api;
  customObjects: CustomObjectsApi;
  rbac: RbacAuthorizationV1Api;
  networking: NetworkingV1Api;
  events: EventsV1Api;
}

/**
 * Clients built as `kc.makeApiClient` builds them, except that each request also carries the abort signal of the
 * reconcile it is made in ({@link currentAbortSignal}): a timed-out or lock-lost reconcile stops at its next call.
 */
export function makeApiClients(kc: KubeConfig): ApiClients {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeConfigError('kubeconfig has no current cluster');
  const auth: SecurityAuthentication = {
    getName: () => 'default',
    async applySecurityAuthentication(context: RequestContext) {
      await kc.applySecurityAuthentication(context);
      const signal = currentAbortSignal();
      if (signal) context.setSignal(signal);
    },
  };
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: auth },
  });
  return {
    version: new VersionApi(configuration),
    apis: new ApisApi(configuration),
    apiextensions: new ApiextensionsV1Api(configuration),
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    batch: new BatchV1Api(configuration),
    coordination: new CoordinationV1Api(configuration),
    customObjects: new CustomObjectsApi(configuration),
    rbac: new RbacAuthorizationV1Api(configuration),
    networking: new NetworkingV1Api(configuration),
    events: new EventsV1Api(configuration),
  };
}
