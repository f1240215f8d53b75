import { z } from 'zod';
import type { ApiServerConfig } from './api-server-config.js';
import { apiServerEnvSchema, parseApiServerConfig } from './api-server-config.js';
import { ConfigError } from './errors.js';
import { isDns1123Label, isDns1123Subdomain } from './names.js';
import type { RedisNodeAddress, RedisTarget } from './queue/redis-connection.js';

/**
 * The only place that reads flags and environment variables (style.md item 10). Callers pass
 * `process.argv.slice(2)` and `process.env`; the result is a frozen, typed object.
 */

/** A `host:port` to listen on. */
export interface BindAddress {
  /** Interface to bind; `undefined` means all interfaces (Go's `:8080`). */
  host: string | undefined;
  /** TCP port; 0 picks a free one. */
  port: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/**
 * Who picks the runner pod's UID (`RUNNER_SECURITY_PROFILE`):
 * - `fixed-user`: the pod runs as `RUNNER_RUN_AS_USER` (vanilla Kubernetes, kind: nothing assigns a UID, and
 *   upstream's state-sync image has no USER, so runAsNonRoot alone makes the kubelet refuse it);
 * - `cluster-assigned`: no runAsUser; the cluster assigns one (OpenShift's restricted SCC, which also
 *   rejects a UID outside the namespace's range);
 * - `auto`: `cluster-assigned` on OpenShift (API group security.openshift.io served), else `fixed-user`.
 */
export type RunnerSecurityProfile = 'auto' | 'fixed-user' | 'cluster-assigned';
/**
 * How state-sync runs (`STATE_SYNC_SIDECAR`): `native` sidecar (Kubernetes ≥ 1.29), ordinary `container`
 * (older clusters drop the native form, and sync.sh would then block the pod as an init container), or
 * `auto` from the server's `/version`.
 */
export type StateSyncSidecarSetting = 'auto' | 'native' | 'container';
export type ImagePullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** Vertex AI mode (contract §7.2): the three settings are required when it is on. */
export type VertexConfig =
  | {
      enabled: false;
      /** Set when the deprecated `CLAUDE_CODE_USE_VERTEX` was used (log a deprecation warning once). */
      deprecatedVariable: 'CLAUDE_CODE_USE_VERTEX' | undefined;
    }
  | {
      enabled: true;
      deprecatedVariable: 'CLAUDE_CODE_USE_VERTEX' | undefined;
      /** `ANTHROPIC_VERTEX_PROJECT_ID`. */
      projectId: string;
      /** `CLOUD_ML_REGION`. */
      region: string;
      /** `GOOGLE_APPLICATION_CREDENTIALS`: path of the service-account key inside the runner. */
      credentialsPath: string;
    };

export interface ControllerConfig {
  /**
   * Reconciles run in parallel by one worker process. `--max-concurrent-reconciles`, overridden by
   * `MAX_CONCURRENT_RECONCILES` when that is a positive integer (a value ≤ 0 is ignored, as upstream).
   * @defaultValue 10
   */
  maxConcurrentReconciles: number;
  /** `--leader-elect`: hold the Lease before watching. @defaultValue false */
  leaderElect: boolean;
  /** `MAX_RUNNER_RECREATIONS`: re-creations of a vanished runner before the session fails. @defaultValue 3 */
  maxRunnerRecreations: number;
  /** `RESYNC_INTERVAL_SECONDS`: seconds between full resyncs of every key. @defaultValue 600 */
  resyncIntervalSeconds: number;
  /**
   * `WATCH_STALL_TIMEOUT_SECONDS`: a watch that delivers nothing (no event, no bookmark) this long is
   * taken as silently stalled and relisted. @defaultValue 90
   */
  watchStallTimeoutSeconds: number;
  /**
   * `RECONCILE_TIMEOUT_SECONDS`: a reconcile still running after this long is aborted (every API and runner call
   * in it is cancelled) and its key retried with backoff. @defaultValue 60
   */
  reconcileTimeoutSeconds: number;
  /**
   * `DEFAULT_INACTIVITY_TIMEOUT`: idle seconds before auto-stop when neither the session nor the
   * ProjectSettings sets one; 0 disables. @defaultValue 86400
   */
  defaultInactivityTimeoutSeconds: number;
}

export interface HttpConfig {
  /** `--metrics-bind-address` (Go form `[host]:port`; `0` disables). @defaultValue `:8080` */
  metricsBindAddress: BindAddress | null;
  /** `--health-probe-bind-address` (`0` disables). @defaultValue `:8081` */
  healthProbeBindAddress: BindAddress | null;
}

export interface NamespacesConfig {
  /** `NAMESPACE`: the operator's namespace. @defaultValue `default` */
  operator: string;
  /** `BACKEND_NAMESPACE`: source of copied secrets, backend Service host. @defaultValue = `NAMESPACE` */
  backend: string;
}

export interface QueueConfig {
  /**
   * The queue's Redis: `REDIS_URL` (`redis://` or `rediss://`, with ACL user and password) alone for one server;
   * with `REDIS_SENTINELS` (+ `REDIS_SENTINEL_NAME`, `REDIS_SENTINEL_PASSWORD`) for a Sentinel-managed master; with
   * `REDIS_CLUSTER_NODES` for a Redis Cluster. In the last two REDIS_URL gives only credentials, TLS and database.
   * @defaultValue `{ mode: 'standalone', url: 'redis://127.0.0.1:6379' }`
   */
  redis: RedisTarget;
  /** `QUEUE_NAME`: BullMQ queue name. @defaultValue `sessions` */
  name: string;
  /**
   * `QUEUE_PREFIX`: Redis key prefix of the queue. With a Redis Cluster it must be a hash tag (`{name}`), so every
   * key of the queue is in one slot as BullMQ's scripts require.
   * @defaultValue `ambient` (`{ambient}` with a Redis Cluster)
   */
  prefix: string;
  /**
   * `RECONCILE_RATE_LIMIT`: reconciles started per second across ALL workers (BullMQ's global limiter),
   * which bounds the load on the API server; 0 disables it. A session takes two reconciles to start (create its
   * children, see it Running), about 16 API requests each: the default lets 1,000 sessions created at once all
   * run within 10 s while holding the API server to a few thousand requests a second. @defaultValue 300
   */
  reconcileRateLimitPerSecond: number;
}

export interface LoggingConfig {
  /** `LOG_LEVEL`. @defaultValue `info` */
  level: LogLevel;
  /** `DEV_MODE`: human-readable logs (pino-pretty). @defaultValue false */
  devMode: boolean;
}

export interface RunnerConfig {
  /** `AMBIENT_CODE_RUNNER_IMAGE`. @defaultValue `quay.io/ambient_code/vteam_claude_runner:latest` */
  image: string;
  /** `STATE_SYNC_IMAGE`: init and sidecar image. @defaultValue `quay.io/ambient_code/vteam_state_sync:latest` */
  stateSyncImage: string;
  /** `IMAGE_PULL_POLICY`. @defaultValue `Always` */
  imagePullPolicy: ImagePullPolicy;
  /** `POD_FSGROUP`: pod fsGroup (GID); unset means no pod securityContext fsGroup. @defaultValue undefined */
  podFsGroup: number | undefined;
  /** `RUNNER_SECURITY_PROFILE`: who picks the runner pod's UID. @defaultValue `auto` */
  securityProfile: RunnerSecurityProfile;
  /**
   * `RUNNER_RUN_AS_USER`: the runner pod's UID under `fixed-user`; 1001 is the user of upstream's runner
   * image, which state-sync's hydrate.sh also hands the workspace to. @defaultValue 1001
   */
  runAsUser: number;
  /** `RUNNER_RUN_AS_GROUP`: the runner pod's GID under `fixed-user`; unset keeps the image's. @defaultValue undefined */
  runAsGroup: number | undefined;
  /** `STATE_SYNC_SIDECAR`: native sidecar, ordinary container, or from the server version. @defaultValue `auto` */
  stateSyncSidecar: StateSyncSidecarSetting;
  /** `BACKEND_PUBLIC_URL`: base of `GOOGLE_OAUTH_REDIRECT_URI`; empty means not set. @defaultValue "" */
  backendPublicUrl: string;
  /** `MCP_CONFIG_FILE`: forwarded to the runner when set. @defaultValue undefined */
  mcpConfigFile: string | undefined;
  /** `AGENT_REGISTRY_PATH`: runner registry JSON. @defaultValue `/config/registry/agent-registry.json` */
  agentRegistryPath: string;
  /** `MODELS_MANIFEST_PATH`: model manifest JSON. @defaultValue `/config/models/models.json` */
  modelsManifestPath: string;
  /** `GOOGLE_OAUTH_CLIENT_ID`, forwarded to the runner. @defaultValue "" */
  googleOAuthClientId: string;
  /** `GOOGLE_OAUTH_CLIENT_SECRET`, forwarded to the runner (a secret: never log it). @defaultValue "" */
  googleOAuthClientSecret: string;
}

export interface S3Config {
  /** `S3_ENDPOINT`. @defaultValue `https://s3.amazonaws.com` */
  endpoint: string;
  /** `S3_BUCKET`. @defaultValue `ambient-sessions` */
  bucket: string;
}

export interface ObservabilityConfig {
  /** `LANGFUSE_ENABLED`: copy the Langfuse secret into session namespaces. @defaultValue false */
  langfuseEnabled: boolean;
  /** `MLFLOW_TRACING_ENABLED`: copy the MLflow secret into session namespaces. @defaultValue false */
  mlflowTracingEnabled: boolean;
  /** `VERSION`, for the startup banner and metrics. @defaultValue undefined */
  version: string | undefined;
  /** `DEPLOYMENT_ENV`. @defaultValue undefined */
  deploymentEnv: string | undefined;
  /**
   * `XSTATE_INSPECT` (`ws://host:port`): workers stream each reconcile's machine snapshot and transition to this
   * `@statelyai/inspect` WebSocket inspector. @defaultValue undefined (off)
   */
  xstateInspectUrl: string | undefined;
}

/** The variables `createKubeConfig` uses to find the cluster; pass `config.kube.env` as its `env`. */
/** UserDeployment children (issue 19): where secrets come from, the ingress domain, isolation. */
export interface UserDeploymentConfig {
  /** `CLUSTER_SECRET_STORE`: the ClusterSecretStore every ExternalSecret reads from. @defaultValue `default` */
  clusterSecretStore: string;
  /** `DEPLOYMENT_DOMAIN`: ingress hosts are `<service>.<name>.<domain>`. @defaultValue `apps.local` */
  deploymentDomain: string;
  /** `DISABLE_NETWORK_POLICIES`: create no NetworkPolicies for user deployments. @defaultValue false */
  disableNetworkPolicies: boolean;
}

export interface AgentTaskConfig {
  /** `TASK_NAMESPACE`: the only namespace where AgentTasks get a Job; unset = every namespace. */
  taskNamespace: string | undefined;
}

export interface KubeClientConfig {
  /**
   * `KUBECONFIG` (`:`-separated paths), `HOME` (for `~/.kube/config`) and the in-cluster
   * `KUBERNETES_SERVICE_HOST`/`KUBERNETES_SERVICE_PORT`, each `undefined` when unset.
   */
  env: Readonly<Record<KubeEnvName, string | undefined>>;
}

export interface OperatorConfig {
  readonly controller: Readonly<ControllerConfig>;
  readonly http: Readonly<HttpConfig>;
  readonly namespaces: Readonly<NamespacesConfig>;
  readonly queue: Readonly<QueueConfig>;
  readonly logging: Readonly<LoggingConfig>;
  readonly runner: Readonly<RunnerConfig>;
  readonly s3: Readonly<S3Config>;
  readonly vertex: Readonly<VertexConfig>;
  readonly observability: Readonly<ObservabilityConfig>;
  readonly userDeployments: Readonly<UserDeploymentConfig>;
  /** AgentTasks and Workflows (issue 17). */
  readonly agentTasks: Readonly<AgentTaskConfig>;
  readonly kube: Readonly<KubeClientConfig>;
  /** The ambient-api-server source and MODE (issue 16). */
  readonly apiServer: Readonly<ApiServerConfig>;
}

// --- value parsers (each message says what is accepted) ---

const emptyAsUnset = (value: unknown): unknown => (value === '' ? undefined : value);

function wholeNumber(min: number) {
  return z
    .string()
    .trim()
    .refine((s) => /^\d+$/.test(s) && Number.isSafeInteger(Number(s)) && Number(s) >= min, {
      error: `expected a whole number ≥ ${min}`,
    })
    .transform(Number);
}

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const BOOLEAN_WORDS = [...TRUE_WORDS, '0', 'false', 'no', 'off'];
const booleanWord = z
  .string()
  .trim()
  .refine((s) => BOOLEAN_WORDS.includes(s.toLowerCase()), {
    error: `expected one of ${BOOLEAN_WORDS.join(', ')}`,
  })
  .transform((s) => TRUE_WORDS.includes(s.toLowerCase()));

const BIND_ADDRESS_FORM =
  'expected [host]:port (e.g. ":8080", "127.0.0.1:8080", "[::1]:8080") or "0" to disable';
const bindAddress = z.string().transform((raw, ctx): BindAddress | null => {
  if (raw === '0') return null;
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]\s]*):(\d{1,5})$/.exec(raw);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    ctx.addIssue({ code: 'custom', message: BIND_ADDRESS_FORM });
    return z.NEVER;
  }
  const host = match[1]!.replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? undefined : host, port };
});

const namespaceName = z
  .string()
  .refine(isDns1123Label, { error: 'expected a DNS-1123 label (namespace name)' });
const nonBlank = z.string().regex(/^\S+$/, { error: 'expected a non-empty value without spaces' });
const dnsDomain = z.string().refine((s) => isDns1123Subdomain(s) && s.length <= 200, {
  error: 'expected a DNS domain such as apps.example.com (lowercase, ≤ 200 characters)',
});
const queueWord = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, { error: 'expected letters, digits, "_", "." or "-"' });
const queuePrefix = z.string().regex(/^(\{[A-Za-z0-9_.-]+\}|[A-Za-z0-9_.-]+)$/, {
  error:
    'expected letters, digits, "_", "." or "-", optionally in braces as a Redis Cluster hash tag ({ambient})',
});
const NODE_LIST_FORM = 'expected host:port[,host:port...] (e.g. "redis-0:26379,redis-1:26379")';
const nodeList = z.string().transform((raw, ctx): RedisNodeAddress[] => {
  const nodes: RedisNodeAddress[] = [];
  for (const item of raw.split(',').map((s) => s.trim())) {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]\s,]+):(\d{1,5})$/.exec(item);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: NODE_LIST_FORM });
      return z.NEVER;
    }
    nodes.push({ host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port });
  }
  return nodes;
});
const path = z.string().min(1, { error: 'expected a file path' });
const url = (protocols: readonly string[]) =>
  z.string().refine(
    (s) => {
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    },
    { error: `expected a URL (${protocols.map((p) => p.replace(':', '://')).join(' or ')}...)` },
  );

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const SECURITY_PROFILES = ['auto', 'fixed-user', 'cluster-assigned'] as const;
const SIDECAR_SETTINGS = ['auto', 'native', 'container'] as const;
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

// --- flags ---

const flagSchema = z.object({
  'max-concurrent-reconciles': wholeNumber(1).default(10),
  'metrics-bind-address': bindAddress.default({ host: undefined, port: 8080 }),
  'health-probe-bind-address': bindAddress.default({ host: undefined, port: 8081 }),
  'leader-elect': booleanWord.default(false),
});
type FlagName = keyof z.input<typeof flagSchema>;
const FLAG_KINDS: Record<FlagName, 'value' | 'boolean'> = {
  'max-concurrent-reconciles': 'value',
  'metrics-bind-address': 'value',
  'health-probe-bind-address': 'value',
  'leader-elect': 'boolean',
};

/** Go `flag` syntax: `-f`/`--f`, `--f=value` or `--f value`; booleans only as `--f` or `--f=value`. */
function splitFlags(argv: readonly string[], problems: string[]): Partial<Record<FlagName, string>> {
  const values: Partial<Record<FlagName, string>> = {};
  const known = Object.keys(FLAG_KINDS).map((f) => `--${f}`);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--?([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      problems.push(`unexpected argument "${arg}": only flags are accepted (${known.join(', ')})`);
      continue;
    }
    const name = match[1]!;
    if (!Object.hasOwn(FLAG_KINDS, name)) {
      problems.push(`unknown flag "${arg}": accepted flags are ${known.join(', ')}`);
      continue;
    }
    const flag = name as FlagName;
    let value = match[2];
    if (value === undefined) {
      if (FLAG_KINDS[flag] === 'boolean') {
        value = 'true';
      } else if (i + 1 < argv.length) {
        value = argv[++i]!;
      } else {
        problems.push(`--${flag} needs a value`);
        continue;
      }
    }
    values[flag] = value;
  }
  return values;
}

// --- environment ---

const env = <T extends z.ZodType>(schema: T) => z.preprocess(emptyAsUnset, schema);

const envSchema = z.object({
  MAX_CONCURRENT_RECONCILES: env(
    z
      .string()
      .trim()
      .regex(/^-?\d+$/, { error: 'expected a whole number' })
      .transform(Number)
      .optional(),
  ),
  DEV_MODE: env(booleanWord.default(false)),
  LOG_LEVEL: env(z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info')),
  NAMESPACE: env(namespaceName.default('default')),
  BACKEND_NAMESPACE: env(namespaceName.optional()),
  REDIS_URL: env(url(['redis:', 'rediss:']).optional()),
  REDIS_SENTINELS: env(nodeList.optional()),
  REDIS_SENTINEL_NAME: env(queueWord.optional()),
  REDIS_SENTINEL_PASSWORD: env(z.string().optional()),
  REDIS_CLUSTER_NODES: env(nodeList.optional()),
  QUEUE_NAME: env(queueWord.default('sessions')),
  QUEUE_PREFIX: env(queuePrefix.optional()),
  RECONCILE_RATE_LIMIT: env(wholeNumber(0).default(300)),
  MAX_RUNNER_RECREATIONS: env(wholeNumber(0).default(3)),
  RESYNC_INTERVAL_SECONDS: env(wholeNumber(1).default(600)),
  WATCH_STALL_TIMEOUT_SECONDS: env(wholeNumber(1).default(90)),
  RECONCILE_TIMEOUT_SECONDS: env(wholeNumber(1).default(60)),
  DEFAULT_INACTIVITY_TIMEOUT: env(wholeNumber(0).default(86400)),
  AMBIENT_CODE_RUNNER_IMAGE: env(nonBlank.default('quay.io/ambient_code/vteam_claude_runner:latest')),
  STATE_SYNC_IMAGE: env(nonBlank.default('quay.io/ambient_code/vteam_state_sync:latest')),
  IMAGE_PULL_POLICY: env(
    z.enum(PULL_POLICIES, { error: `expected one of ${PULL_POLICIES.join(', ')}` }).default('Always'),
  ),
  POD_FSGROUP: env(wholeNumber(0).optional()),
  RUNNER_SECURITY_PROFILE: env(
    z.enum(SECURITY_PROFILES, { error: `expected one of ${SECURITY_PROFILES.join(', ')}` }).default('auto'),
  ),
  // Restricted Pod Security forbids UID 0, so the smallest accepted user is 1.
  RUNNER_RUN_AS_USER: env(wholeNumber(1).default(1001)),
  RUNNER_RUN_AS_GROUP: env(wholeNumber(0).optional()),
  STATE_SYNC_SIDECAR: env(
    z.enum(SIDECAR_SETTINGS, { error: `expected one of ${SIDECAR_SETTINGS.join(', ')}` }).default('auto'),
  ),
  BACKEND_PUBLIC_URL: env(url(['http:', 'https:']).default('')),
  S3_ENDPOINT: env(url(['http:', 'https:']).default('https://s3.amazonaws.com')),
  S3_BUCKET: env(nonBlank.default('ambient-sessions')),
  USE_VERTEX: env(booleanWord.optional()),
  CLAUDE_CODE_USE_VERTEX: env(booleanWord.optional()),
  ANTHROPIC_VERTEX_PROJECT_ID: env(z.string().optional()),
  CLOUD_ML_REGION: env(z.string().optional()),
  GOOGLE_APPLICATION_CREDENTIALS: env(z.string().optional()),
  LANGFUSE_ENABLED: env(booleanWord.default(false)),
  MLFLOW_TRACING_ENABLED: env(booleanWord.default(false)),
  XSTATE_INSPECT: env(url(['ws:', 'wss:']).optional()),
  GOOGLE_OAUTH_CLIENT_ID: z.string().default(''),
  GOOGLE_OAUTH_CLIENT_SECRET: z.string().default(''),
  MCP_CONFIG_FILE: env(path.optional()),
  AGENT_REGISTRY_PATH: env(path.default('/config/registry/agent-registry.json')),
  MODELS_MANIFEST_PATH: env(path.default('/config/models/models.json')),
  CLUSTER_SECRET_STORE: env(nonBlank.default('default')),
  TASK_NAMESPACE: env(namespaceName.optional()),
  DEPLOYMENT_DOMAIN: env(dnsDomain.default('apps.local')),
  DISABLE_NETWORK_POLICIES: env(booleanWord.default(false)),
  VERSION: env(z.string().optional()),
  DEPLOYMENT_ENV: env(z.string().optional()),
  KUBECONFIG: env(z.string().optional()),
  HOME: env(z.string().optional()),
  KUBERNETES_SERVICE_HOST: env(z.string().optional()),
  KUBERNETES_SERVICE_PORT: env(
    z
      .string()
      .regex(/^\d{1,5}$/, { error: 'expected a TCP port number' })
      .optional(),
  ),
  ...apiServerEnvSchema,
});
type EnvName = keyof z.input<typeof envSchema>;

const KUBE_ENV_NAMES = ['KUBECONFIG', 'HOME', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'] as const;
export type KubeEnvName = (typeof KUBE_ENV_NAMES)[number];

const VERTEX_REQUIRED = [
  'ANTHROPIC_VERTEX_PROJECT_ID',
  'CLOUD_ML_REGION',
  'GOOGLE_APPLICATION_CREDENTIALS',
] as const;

function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: Readonly<Record<string, string | undefined>>,
  label: (key: string) => string,
): string[] {
  return issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const value = raw[key];
    return value === undefined || value === ''
      ? `${label(key)} is not set: ${issue.message}`
      : `${label(key)}=${value}: ${issue.message}`;
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

type ParsedEnv = z.output<typeof envSchema>;

function withoutPassword(raw: string): string {
  const url = new URL(raw);
  if (url.password) url.password = '***';
  return url.toString();
}

/**
 * The Redis mode from the REDIS_* variables, and the queue prefix it allows. Sentinel and Cluster settings exclude
 * each other; a Cluster needs a hash-tagged prefix and has no databases.
 */
function redisTargetOf(e: ParsedEnv): { target: RedisTarget; prefix: string } {
  const url = e.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const problems: string[] = [];
  if (e.REDIS_SENTINELS && e.REDIS_CLUSTER_NODES)
    problems.push('REDIS_SENTINELS and REDIS_CLUSTER_NODES are both set: choose Sentinel or Cluster');
  if (!e.REDIS_SENTINELS) {
    for (const name of ['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD'] as const)
      if (e[name] !== undefined) problems.push(`${name} is set without REDIS_SENTINELS`);
  }
  if (e.REDIS_CLUSTER_NODES) {
    if (e.QUEUE_PREFIX !== undefined && !/^\{.+\}$/.test(e.QUEUE_PREFIX))
      problems.push(
        `QUEUE_PREFIX=${e.QUEUE_PREFIX}: with REDIS_CLUSTER_NODES the prefix must be a hash tag such as {${e.QUEUE_PREFIX}}, so the queue's keys share one slot`,
      );
    if (!/^\/?0?$/.test(new URL(url).pathname))
      problems.push(`REDIS_URL=${withoutPassword(url)}: a Redis Cluster has only database 0`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (e.REDIS_SENTINELS) {
    return {
      target: {
        mode: 'sentinel',
        url,
        sentinels: e.REDIS_SENTINELS,
        masterName: e.REDIS_SENTINEL_NAME ?? 'mymaster',
        sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
      },
      prefix: e.QUEUE_PREFIX ?? 'ambient',
    };
  }
  if (e.REDIS_CLUSTER_NODES) {
    return {
      target: { mode: 'cluster', url, nodes: e.REDIS_CLUSTER_NODES },
      prefix: e.QUEUE_PREFIX ?? '{ambient}',
    };
  }
  return { target: { mode: 'standalone', url }, prefix: e.QUEUE_PREFIX ?? 'ambient' };
}

/**
 * Parse flags and environment once at startup. Throws {@link ConfigError} listing every bad or unknown
 * setting, e.g. `MAX_RUNNER_RECREATIONS=abc: expected a whole number ≥ 0`.
 */
export function loadConfig(argv: readonly string[], environment: NodeJS.ProcessEnv): OperatorConfig {
  const problems: string[] = [];
  const rawFlags = splitFlags(argv, problems);
  const flags = flagSchema.safeParse(rawFlags);
  if (!flags.success) problems.push(...describeIssues(flags.error.issues, rawFlags, (k) => `--${k}`));

  const rawEnv: Partial<Record<EnvName, string>> = {};
  for (const key of Object.keys(envSchema.shape) as EnvName[]) rawEnv[key] = environment[key];
  const parsedEnv = envSchema.safeParse(rawEnv);
  if (!parsedEnv.success) problems.push(...describeIssues(parsedEnv.error.issues, rawEnv, (k) => k));

  const apiServer = parseApiServerConfig(rawEnv, environment.HOME, problems);
  if (!flags.success || !parsedEnv.success || problems.length > 0) throw new ConfigError(problems);
  const f = flags.data;
  const e = parsedEnv.data;

  const vertexVariable = e.USE_VERTEX !== undefined ? 'USE_VERTEX' : 'CLAUDE_CODE_USE_VERTEX';
  const vertexOn = e.USE_VERTEX ?? e.CLAUDE_CODE_USE_VERTEX ?? false;
  const deprecatedVariable =
    e.USE_VERTEX === undefined && e.CLAUDE_CODE_USE_VERTEX !== undefined
      ? 'CLAUDE_CODE_USE_VERTEX'
      : undefined;
  let vertex: VertexConfig = { enabled: false, deprecatedVariable };
  if (vertexOn) {
    const missing = VERTEX_REQUIRED.filter((name) => !e[name]);
    if (missing.length > 0) {
      throw new ConfigError(
        missing.map((name) => `${name} is not set: required when ${vertexVariable} is on`),
      );
    }
    vertex = {
      enabled: true,
      deprecatedVariable,
      projectId: e.ANTHROPIC_VERTEX_PROJECT_ID!,
      region: e.CLOUD_ML_REGION!,
      credentialsPath: e.GOOGLE_APPLICATION_CREDENTIALS!,
    };
  }

  const redis = redisTargetOf(e);
  const envConcurrency = e.MAX_CONCURRENT_RECONCILES;
  const config: OperatorConfig = {
    controller: {
      maxConcurrentReconciles:
        envConcurrency !== undefined && envConcurrency > 0 ? envConcurrency : f['max-concurrent-reconciles'],
      leaderElect: f['leader-elect'],
      maxRunnerRecreations: e.MAX_RUNNER_RECREATIONS,
      resyncIntervalSeconds: e.RESYNC_INTERVAL_SECONDS,
      watchStallTimeoutSeconds: e.WATCH_STALL_TIMEOUT_SECONDS,
      reconcileTimeoutSeconds: e.RECONCILE_TIMEOUT_SECONDS,
      defaultInactivityTimeoutSeconds: e.DEFAULT_INACTIVITY_TIMEOUT,
    },
    http: {
      metricsBindAddress: f['metrics-bind-address'],
      healthProbeBindAddress: f['health-probe-bind-address'],
    },
    namespaces: { operator: e.NAMESPACE, backend: e.BACKEND_NAMESPACE ?? e.NAMESPACE },
    queue: {
      redis: redis.target,
      name: e.QUEUE_NAME,
      prefix: redis.prefix,
      reconcileRateLimitPerSecond: e.RECONCILE_RATE_LIMIT,
    },
    logging: { level: e.LOG_LEVEL, devMode: e.DEV_MODE },
    runner: {
      image: e.AMBIENT_CODE_RUNNER_IMAGE,
      stateSyncImage: e.STATE_SYNC_IMAGE,
      imagePullPolicy: e.IMAGE_PULL_POLICY,
      podFsGroup: e.POD_FSGROUP,
      securityProfile: e.RUNNER_SECURITY_PROFILE,
      runAsUser: e.RUNNER_RUN_AS_USER,
      runAsGroup: e.RUNNER_RUN_AS_GROUP,
      stateSyncSidecar: e.STATE_SYNC_SIDECAR,
      backendPublicUrl: e.BACKEND_PUBLIC_URL,
      mcpConfigFile: e.MCP_CONFIG_FILE,
      agentRegistryPath: e.AGENT_REGISTRY_PATH,
      modelsManifestPath: e.MODELS_MANIFEST_PATH,
      googleOAuthClientId: e.GOOGLE_OAUTH_CLIENT_ID,
      googleOAuthClientSecret: e.GOOGLE_OAUTH_CLIENT_SECRET,
    },
    s3: { endpoint: e.S3_ENDPOINT, bucket: e.S3_BUCKET },
    vertex,
    observability: {
      langfuseEnabled: e.LANGFUSE_ENABLED,
      mlflowTracingEnabled: e.MLFLOW_TRACING_ENABLED,
      version: e.VERSION,
      deploymentEnv: e.DEPLOYMENT_ENV,
      xstateInspectUrl: e.XSTATE_INSPECT,
    },
    userDeployments: {
      clusterSecretStore: e.CLUSTER_SECRET_STORE,
      deploymentDomain: e.DEPLOYMENT_DOMAIN,
      disableNetworkPolicies: e.DISABLE_NETWORK_POLICIES,
    },
    agentTasks: { taskNamespace: e.TASK_NAMESPACE },
    kube: {
      env: Object.fromEntries(KUBE_ENV_NAMES.map((name) => [name, e[name]])) as KubeClientConfig['env'],
    },
    apiServer,
  };
  return deepFreeze(config);
}
