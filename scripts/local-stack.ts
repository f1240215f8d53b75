// The whole system on one machine, every part a separate process: kube-sim (or, with cluster 'real', the real
// control plane of `pnpm kube-real`), Redis (unless one is configured through REDIS_URL, REDIS_SENTINELS or
// REDIS_CLUSTER_NODES), the watcher, N workers and the dashboard. Used by `pnpm start` and by the system tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import {
  closeRedis,
  isAlreadyExists,
  loadConfig,
  openRedis,
  pingRedis,
  type RedisTarget,
} from '@ambient-operator/shared';
import {
  OPERATOR_NAMESPACE_REAL,
  provisionOperatorIdentities,
  recordOperatorAccess,
} from '@ambient-operator/testing';
import { STACK_BUNDLES_ENV, stackScriptBundle } from './stack-bundles.js';

/**
 * Development only: node options added to every node child the stack starts, the operator's bundles included — e.g.
 * `--import=<repo>/scripts/cpu-profile-preload.mjs` with CPU_PROFILE_DIR set, to CPU-profile every process of a
 * bench suite's stack (NODE_OPTIONS refuses `--cpu-prof` itself).
 */
export const STACK_NODE_OPTIONS_ENV = 'LOCAL_STACK_NODE_OPTIONS';

/** `NODE_OPTIONS` for a child: what it would get, plus STACK_NODE_OPTIONS_ENV's options when that is set. */
function childNodeOptions(own: string | undefined): string | undefined {
  const extra = process.env[STACK_NODE_OPTIONS_ENV];
  return extra ? [own, extra].filter(Boolean).join(' ') : own;
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEMO_NAMESPACE = 'demo';
const UPSTREAM_IMAGE_USERS = [
  'quay.io/ambient_code/vteam_state_sync:latest=',
  'quay.io/ambient_code/vteam_claude_runner:latest=1001',
];

export interface LocalStackOptions {
  /** Folder for the kubeconfig and kube-sim's state. @defaultValue `<repo>/.local` */
  localDir?: string;
  /** Worker processes. @defaultValue 2 */
  workers?: number;
  /**
   * Use this Redis instead of spawning one: the operator's REDIS_* variables (REDIS_URL, REDIS_SENTINELS,
   * REDIS_SENTINEL_NAME, REDIS_SENTINEL_PASSWORD, REDIS_CLUSTER_NODES) and QUEUE_PREFIX, as every process gets them.
   * Checked with shared's config before anything starts.
   */
  redisEnv?: Record<string, string>;
  /** kube-sim port; 0 picks a free one. @defaultValue 0 */
  kubeSimPort?: number;
  /** Dashboard address. @defaultValue 127.0.0.1:3000 */
  dashboardHost?: string;
  dashboardPort?: number;
  /** Extra environment for the operator processes (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
  /** Where the children's log lines go; `null` drops them. @defaultValue process.stdout */
  output?: NodeJS.WritableStream | null;
  /** Pretty logs (pino-pretty) in the children. @defaultValue output is a TTY */
  pretty?: boolean;
  /** Called when a child exits on its own (the stack is then broken); not for `kill`/`restart`. */
  onChildExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
  /** Watcher processes, named `watcher` when 1, else `watcher-1`…; more than one needs leader election. @defaultValue 1 */
  watchers?: number;
  /** Run the watchers with `--leader-elect`. @defaultValue false */
  leaderElect?: boolean;
  /**
   * How the watchers and workers run: `source` through tsx (development), or `bundle`, `pnpm build`'s bundles through
   * the image's entrypoint (deploy/image/operator), as in production; build first. @defaultValue 'source'
   */
  operatorForm?: 'source' | 'bundle';
  /** Start the dashboard (when its package is present). @defaultValue true */
  dashboard?: boolean;
  /**
   * The Kubernetes cluster: kube-sim, or the real control plane (`pnpm kube-real`; the watcher and workers then
   * authenticate as deploy/base's ServiceAccounts, in its namespace). @defaultValue 'sim'
   */
  cluster?: 'sim' | 'real';
  /** kube-sim state file: saved when kube-sim stops, loaded when it starts (so `restart('kube-sim')` keeps objects). */
  kubeSimDataFile?: string;
  /**
   * Run api-sim (an in-memory ambient-api-server) and point the watcher and workers at it
   * (AMBIENT_API_SERVER_URL, AMBIENT_API_TOKEN, AMBIENT_GRPC_SERVER_ADDR). @defaultValue none
   */
  apiServer?: {
    /** Bearer token (≥ 20 characters). */
    token: string;
    /** api-sim's state file (loaded at start, saved at stop). */
    dataFile?: string;
  };
}

/** The embedded api-sim's addresses. */
export interface StackApiServer {
  /** REST base (paths under `/api/ambient/v1`). */
  url: string;
  /** gRPC `host:port`. */
  grpcAddress: string;
  token: string;
}

/** A running child of the stack, with the addresses it reported when it started. */
export interface StackProcess {
  name: string;
  pid: number;
  /** Workers and watchers: `http://host:port` serving /metrics. */
  metricsUrl?: string;
  /** Workers and watchers: `http://host:port` serving /healthz and /readyz. */
  probesUrl?: string;
}

export interface LocalStack {
  kubeconfigPath: string;
  /** Where the kubeconfig and other local files are written. */
  localDir: string;
  kubeSimUrl: string;
  /** The queue's Redis as the operator processes see it, and the queue prefix they use. */
  redis: RedisTarget;
  queuePrefix: string;
  /** What `pnpm start` prints for Redis (no password). */
  redisDescription: string;
  dashboardUrl: string | undefined;
  /** The embedded api-sim, when `apiServer` was given. */
  apiServer: StackApiServer | undefined;
  /** Name and pid of every child process, in start order. */
  processes: { name: string; pid: number }[];
  /** Stops every child (SIGTERM, then SIGKILL after 10 s), newest first. */
  stop(): Promise<void>;
  /** The named child as it runs now (after restarts), or undefined when it is not running. */
  process(name: string): StackProcess | undefined;
  /** Every running child with the addresses it reported, in start order. */
  running(): StackProcess[];
  /**
   * Sends `signal` to the named child and waits until it exited (an expected exit: `onChildExit` is not
   * called). `redis` is a supervisor that passes SIGTERM/SIGINT on: SIGKILL would leave redis-server behind.
   */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts the named child again as it was started first (kube-sim and Redis on the same port); resolves once it is
   * ready. `env` (watchers and workers only) is added to their environment for this start.
   */
  restart(name: string, env?: Record<string, string>): Promise<StackProcess>;
}

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<void>;
  /** The latest output lines (bounded), so a line printed before anyone waited for it is not missed. */
  recent: string[];
  lines: EventEmitter<{ line: [string] }>;
}

const RECENT_LINES = 200;

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const redisEnv = options.redisEnv ?? {};
  // A bad value stops start-up here, with shared's message, before any process starts.
  const external = Object.values(redisEnv).some((v) => v !== '')
    ? { target: loadConfig([], redisEnv).queue.redis, prefix: loadConfig([], redisEnv).queue.prefix }
    : undefined;
  const localDir = options.localDir ?? path.join(REPO_ROOT, '.local');
  await mkdir(localDir, { recursive: true });
  const kubeconfigPath = path.join(localDir, 'kubeconfig');
  const output = options.output === undefined ? process.stdout : options.output;
  const pretty = options.pretty ?? Boolean((output as { isTTY?: boolean } | null)?.isTTY);
  const children: Child[] = [];
  let stopping = false;
  // Children we are stopping on purpose (kill/restart): their exit is not a broken stack.
  const expectedExits = new Set<ChildProcess>();
  // How to start each named child again, and what it reported when it started.
  const starters = new Map<string, (env?: Record<string, string>) => Promise<StackProcess>>();
  const running = new Map<string, StackProcess>();

  const launch = (name: string, command: string, args: string[], env: Record<string, string> = {}): Child => {
    const proc = spawn(command, args, {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...env,
        // The operator's bundles pass their own NODE_OPTIONS (below), with the extra options already in.
        ...(env.NODE_OPTIONS === undefined && process.env[STACK_NODE_OPTIONS_ENV]
          ? { NODE_OPTIONS: childNodeOptions(process.env.NODE_OPTIONS) }
          : {}),
      },
      // The IPC channel is how children notice a vanished supervisor (exit-with-parent.mjs).
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.once('exit', (code, signal) => {
      if (running.get(name)?.pid === proc.pid) running.delete(name);
      if (!stopping && !expectedExits.delete(proc)) options.onChildExit?.(name, code, signal);
    });
    const child: Child = { name, proc, exited, recent: [], lines: new EventEmitter() };
    for (const stream of [proc.stdout, proc.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        child.recent.push(line);
        if (child.recent.length > RECENT_LINES) child.recent.shift();
        child.lines.emit('line', line);
        output?.write(pretty ? `${name.padEnd(9)}| ${line}\n` : `${line}\n`);
      });
    }
    // A restarted child takes its predecessor's place, so `stop` keeps the start order.
    const previous = children.findIndex((c) => c.name === name);
    if (previous >= 0) children[previous] = child;
    else children.push(child);
    return child;
  };
  const guard = path.join(REPO_ROOT, 'scripts/exit-with-parent.mjs');
  const bundles = process.env[STACK_BUNDLES_ENV];
  const tsNode = (name: string, script: string, args: string[], env: Record<string, string> = {}) => {
    // The bench's bundle of the script when there is one: loading kube-sim through tsx costs ~2 CPU-seconds a start.
    const bundled = bundles ? path.join(bundles, stackScriptBundle(script)) : undefined;
    const entry =
      bundled && existsSync(bundled)
        ? ['--enable-source-maps', bundled]
        : ['--import', 'tsx', path.join(REPO_ROOT, script)];
    return launch(name, process.execPath, ['--import', guard, ...entry, ...args], env);
  };

  // Watchers and workers in their production form: the image's entrypoint with the app directory at the repository.
  const operator = (
    name: string,
    command: 'watcher' | 'worker',
    source: string,
    args: string[],
    env: Record<string, string>,
  ) =>
    options.operatorForm === 'bundle'
      ? launch(name, 'sh', [path.join(REPO_ROOT, 'deploy/image/operator'), command, ...args], {
          ...env,
          AMBIENT_APP_DIR: REPO_ROOT,
          NODE_OPTIONS: childNodeOptions(`--import=${guard}`)!,
        })
      : tsNode(name, source, args, env);

  /** Registers how to start a named child, starts it and records what it reported. */
  const startNamed = async (
    name: string,
    start: (env?: Record<string, string>) => Promise<Omit<StackProcess, 'name'>>,
  ) => {
    const starter = async (env?: Record<string, string>) => {
      const info: StackProcess = { name, ...(await start(env)) };
      running.set(name, info);
      return info;
    };
    starters.set(name, starter);
    return starter();
  };

  const kill = async (name: string, signal: NodeJS.Signals = 'SIGTERM') => {
    const child = children.find((c) => c.name === name);
    if (!child) throw new Error(`local stack: no child named ${name}`);
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
    expectedExits.add(child.proc);
    child.proc.kill(signal);
    await child.exited;
  };

  const auditLogPath = path.join(localDir, 'kube-real-audit.log');
  const stop = async () => {
    stopping = true;
    for (const child of [...children].reverse()) {
      if (child.proc.exitCode !== null || child.proc.signalCode !== null) continue;
      child.proc.kill('SIGTERM');
      const killer = setTimeout(() => child.proc.kill('SIGKILL'), 10_000);
      await child.exited;
      clearTimeout(killer);
    }
    // Under vitest on the real cluster, what the watcher and the workers did goes to the RBAC report, and a 403
    // fails the test (as the in-process test cluster does); `pnpm start` only drops the log.
    if (options.cluster !== 'real' || !existsSync(auditLogPath)) return;
    const forbidden = process.env.VITEST ? await recordOperatorAccess(auditLogPath, 'local-stack') : [];
    await rm(auditLogPath, { force: true });
    if (forbidden.length)
      throw new Error(`deploy/base's RBAC refused the operator (403):\n${forbidden.join('\n')}`);
  };

  try {
    let kubeSimPort = options.kubeSimPort ?? 0;
    let kubeSimUrl = '';
    // Redis and kube-sim do not need each other: start them side by side.
    const startRedis = async (): Promise<{
      target: RedisTarget;
      prefix: string;
      env: Record<string, string>;
    }> => {
      if (external) {
        await waitForRedis(external.target);
        return { ...external, env: redisEnv };
      }
      const port = await freePort();
      const url = `redis://127.0.0.1:${port}`;
      const target: RedisTarget = { mode: 'standalone', url };
      await startNamed('redis', async () => {
        const child = spawnRedis(tsNode, port);
        await waitForRedis(target);
        return { pid: child.proc.pid ?? -1 };
      });
      return { target, prefix: 'ambient', env: { REDIS_URL: url } };
    };
    const startKubeSim = () =>
      startNamed('kube-sim', async () => {
        const sim = tsNode(
          'kube-sim',
          'packages/kube-sim/src/cli.ts',
          [
            '--port',
            String(kubeSimPort),
            '--kubeconfig',
            kubeconfigPath,
            '--crds',
            path.join(REPO_ROOT, 'deploy/crds'),
            ...(options.kubeSimDataFile ? ['--data', options.kubeSimDataFile] : []),
            // Upstream's images as a vanilla Kubernetes kubelet sees them: state-sync (Alpine) has no USER,
            // the runner runs as 1001; runAsNonRoot without a runAsUser would refuse state-sync.
            ...UPSTREAM_IMAGE_USERS.flatMap((pair) => ['--image-user', pair]),
            '--log-level',
            'warn',
          ],
          {},
        );
        kubeSimUrl = (await waitForLine(sim, /kube-sim listening on (\S+)/))[1]!;
        // A restart must come back where the clients' kubeconfig points.
        kubeSimPort = Number(new URL(kubeSimUrl).port);
        await waitForLine(sim, /kubeconfig written/);
        return { pid: sim.proc.pid ?? -1 };
      });
    let apiServer: StackApiServer | undefined;
    const startApiSim = async (): Promise<void> => {
      const api = options.apiServer;
      if (!api) return;
      await startNamed('api-sim', async () => {
        const sim = tsNode('api-sim', 'packages/api-sim/src/cli.ts', [
          '--http-port',
          String(apiServer ? new URL(apiServer.url).port : 0),
          '--grpc-port',
          String(apiServer ? apiServer.grpcAddress.split(':').pop() : 0),
          '--token',
          api.token,
          ...(api.dataFile ? ['--data', api.dataFile] : []),
        ]);
        const rest = (await waitForLine(sim, /^api-sim REST on (http:\/\/\S+)\/api\/ambient\/v1$/))[1]!;
        const grpc = (await waitForLine(sim, /^api-sim gRPC on (\S+)$/))[1]!;
        apiServer = { url: rest, grpcAddress: grpc, token: api.token };
        return { pid: sim.proc.pid ?? -1 };
      });
    };
    // The real control plane: its CLI builds the binaries on first use (minutes), then starts in seconds.
    const startKubeReal = () =>
      startNamed('kube-real', async () => {
        const real = tsNode('kube-real', 'packages/kube-real/src/cli.ts', [
          '--port',
          String(kubeSimPort),
          '--kubeconfig',
          kubeconfigPath,
          '--crds',
          path.join(REPO_ROOT, 'deploy/crds'),
          // Kept in the stack's directory: stop() reads what the watcher and the workers did (below).
          '--audit-log',
          auditLogPath,
          '--log-level',
          'warn',
        ]);
        kubeSimUrl = (await waitForLine(real, /kube-real listening on (\S+)/, 45 * 60_000))[1]!;
        kubeSimPort = Number(new URL(kubeSimUrl).port);
        await waitForLine(real, /kubeconfig written/);
        return { pid: real.proc.pid ?? -1 };
      });
    const real = options.cluster === 'real';
    const [redis] = await Promise.all([startRedis(), real ? startKubeReal() : startKubeSim(), startApiSim()]);
    await prepareDemoNamespace(kubeconfigPath);
    const identities = real ? await operatorKubeconfigs(kubeconfigPath, localDir) : undefined;

    const operatorEnv = {
      KUBECONFIG: kubeconfigPath,
      ...redis.env,
      NAMESPACE: real ? OPERATOR_NAMESPACE_REAL : 'default',
      DEV_MODE: pretty ? 'true' : 'false',
      AGENT_REGISTRY_PATH: path.join(localDir, 'agent-registry.json'),
      MODELS_MANIFEST_PATH: path.join(localDir, 'models.json'),
      // The stack's own mode unless it embeds the api-server: an inherited MODE (vitest sets MODE=test in its
      // environment) would switch the api-server source on without a server, and the operators would not start.
      MODE: 'kube',
      ...(apiServer
        ? {
            // Explicit: MODE is a common variable name (vitest sets MODE=test in its own environment).
            MODE: 'kube',
            AMBIENT_API_SERVER_URL: apiServer.url,
            AMBIENT_API_TOKEN: apiServer.token,
            AMBIENT_GRPC_SERVER_ADDR: apiServer.grpcAddress,
          }
        : {}),
      ...options.env,
    };
    const probeFlags = ['--health-probe-bind-address=127.0.0.1:0', '--metrics-bind-address=127.0.0.1:0'];
    // Watchers and workers start side by side (each spends seconds loading TypeScript).
    const watchers = options.watchers ?? 1;
    const startWatcher = (name: string) =>
      startNamed(name, async (env = {}) => {
        const watcher = operator(
          name,
          'watcher',
          'packages/watcher/src/main.ts',
          [`--leader-elect=${options.leaderElect ?? false}`, ...probeFlags],
          { ...operatorEnv, ...(identities ? { KUBECONFIG: identities.watcher } : {}), ...env },
        );
        const started = JSON.parse((await waitForLine(watcher, /^\{"watcher":"started".*\}$/))[0]) as {
          metricsPort?: number;
          healthPort?: number;
        };
        return {
          pid: watcher.proc.pid ?? -1,
          ...(started.metricsPort ? { metricsUrl: `http://127.0.0.1:${started.metricsPort}` } : {}),
          ...(started.healthPort ? { probesUrl: `http://127.0.0.1:${started.healthPort}` } : {}),
        };
      });
    const startWorker = (name: string) =>
      startNamed(name, async (env = {}) => {
        const worker = operator(name, 'worker', 'packages/worker/src/main.ts', probeFlags, {
          ...operatorEnv,
          ...(identities ? { KUBECONFIG: identities.worker } : {}),
          ...env,
        });
        const line = JSON.parse((await waitForLine(worker, /^\{"worker":"started".*\}$/))[0]) as {
          metricsUrl?: string;
          probesUrl?: string;
        };
        return {
          pid: worker.proc.pid ?? -1,
          ...(line.metricsUrl ? { metricsUrl: line.metricsUrl } : {}),
          ...(line.probesUrl ? { probesUrl: line.probesUrl } : {}),
        };
      });
    const watcherNames = Array.from({ length: watchers }, (_, i) =>
      watchers === 1 ? 'watcher' : `watcher-${i + 1}`,
    );
    const workerNames = Array.from({ length: options.workers ?? 2 }, (_, i) => `worker-${i + 1}`);
    const [startedWatchers, startedWorkers] = await Promise.all([
      Promise.all(watcherNames.map(startWatcher)),
      Promise.all(workerNames.map(startWorker)),
    ]);
    // Workers' for the transition counts, watchers' for the api-server source's streams.
    const processMetrics = [...startedWatchers, ...startedWorkers].flatMap((p) =>
      p.metricsUrl ? [`${p.metricsUrl}/metrics`] : [],
    );

    let dashboardUrl: string | undefined;
    const dashboardMain = 'packages/dashboard/src/main.ts';
    if ((options.dashboard ?? true) && existsSync(path.join(REPO_ROOT, dashboardMain))) {
      const dashboard = tsNode('dashboard', dashboardMain, [], {
        ...operatorEnv,
        DASHBOARD_HOST: options.dashboardHost ?? '127.0.0.1',
        DASHBOARD_PORT: String(options.dashboardPort ?? 3000),
        DASHBOARD_METRICS_URLS: processMetrics.join(','),
      });
      const started = (await waitForLine(dashboard, /^\{"dashboard":"started".*\}$/))[0];
      dashboardUrl = (JSON.parse(started) as { url: string }).url;
    }

    return {
      kubeconfigPath,
      localDir,
      kubeSimUrl,
      redis: redis.target,
      queuePrefix: redis.prefix,
      redisDescription: describeRedis(redis.target),
      dashboardUrl,
      apiServer,
      processes: children.map((c) => ({ name: c.name, pid: c.proc.pid ?? -1 })),
      stop,
      process: (name) => running.get(name),
      running: () => children.flatMap((c) => running.get(c.name) ?? []),
      kill,
      async restart(name, env) {
        const starter = starters.get(name);
        if (!starter) throw new Error(`local stack: ${name} cannot be restarted`);
        await kill(name, 'SIGTERM');
        return starter(env);
      },
    };
  } catch (err) {
    await stop().catch(() => undefined); // the start-up failure is the error to report
    throw err;
  }
}

function spawnRedis(tsNode: (name: string, script: string, args: string[]) => Child, port: number): Child {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error(
      'redis-server is not installed. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`) ' +
        'or point REDIS_URL at a running Redis.',
    );
  }
  return tsNode('redis', 'scripts/run-supervised.ts', [
    'redis-server',
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
}

/** Redis (just spawned, or configured) needs a moment to answer: ask until it does (bounded). */
async function waitForRedis(target: RedisTarget, timeoutMs = 10_000): Promise<void> {
  const handle = openRedis(target, { connectionName: 'ambient:local-stack', failFast: true });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await pingRedis(handle.client);
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(
            `Redis (${describeRedis(target)}) does not answer: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err },
          );
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await closeRedis(handle);
  }
}

function describeRedis(target: RedisTarget): string {
  const url = new URL(target.url);
  if (url.password) url.password = '***';
  const list = (nodes: readonly { host: string; port: number }[]) =>
    nodes.map((n) => `${n.host}:${n.port}`).join(',');
  if (target.mode === 'sentinel')
    return `Sentinel master "${target.masterName}" via ${list(target.sentinels)}`;
  if (target.mode === 'cluster') return `Redis Cluster ${list(target.nodes)}`;
  return url.toString();
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Resolves with the first line of the child's output matching `pattern`; rejects if it exits first. */
function waitForLine(child: Child, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  for (const line of child.recent) {
    const match = pattern.exec(line);
    if (match) return Promise.resolve(match);
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`${child.name} did not report ${pattern} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onLine = (line: string) => {
      const match = pattern.exec(line);
      if (match) finish(undefined, match);
    };
    const onExit = (code: number | null) =>
      finish(new Error(`${child.name} exited (code ${code}) before reporting ${pattern}`));
    function finish(error?: Error, match?: RegExpExecArray) {
      clearTimeout(timer);
      child.lines.off('line', onLine);
      child.proc.off('exit', onExit);
      if (error) reject(error);
      else resolve(match!);
    }
    child.lines.on('line', onLine);
    child.proc.once('exit', onExit);
  });
}

/**
 * On the real cluster the watcher and workers run as deploy/base's ServiceAccounts with exactly its RBAC: their
 * kubeconfigs (the admin's cluster and CA, each its own token) are written beside the admin's.
 */
async function operatorKubeconfigs(
  adminKubeconfigPath: string,
  localDir: string,
): Promise<{ watcher: string; worker: string }> {
  const tokens = await provisionOperatorIdentities(adminKubeconfigPath);
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfigPath);
  const write = async (name: 'watcher' | 'worker') => {
    const file = path.join(localDir, `${name}.kubeconfig`);
    const user = { name, token: tokens[name] };
    const context = { name, cluster: kc.getCurrentCluster()!.name, user: name };
    const own = new KubeConfig();
    own.loadFromOptions({ clusters: kc.clusters, users: [user], contexts: [context], currentContext: name });
    await writeFile(file, own.exportConfig(), { mode: 0o600 });
    return file;
  };
  return { watcher: await write('watcher'), worker: await write('worker') };
}

/** A managed namespace where a session can run: runner secret and ProjectSettings. */
async function prepareDemoNamespace(kubeconfigPath: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const ignoreExisting = async (create: () => Promise<unknown>) => {
    try {
      await create();
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  };
  await ignoreExisting(() =>
    core.createNamespace({
      body: { metadata: { name: DEMO_NAMESPACE, labels: { 'ambient-code.io/managed': 'true' } } },
    }),
  );
  await ignoreExisting(() =>
    core.createNamespacedSecret({
      namespace: DEMO_NAMESPACE,
      body: {
        metadata: { name: 'ambient-runner-secrets' },
        stringData: { ANTHROPIC_API_KEY: 'sk-local-demo' },
      },
    }),
  );
  await ignoreExisting(() =>
    custom.createNamespacedCustomObject({
      group: 'vteam.ambient-code',
      version: 'v1alpha1',
      plural: 'projectsettings',
      namespace: DEMO_NAMESPACE,
      body: {
        apiVersion: 'vteam.ambient-code/v1alpha1',
        kind: 'ProjectSettings',
        metadata: { name: 'projectsettings' },
        spec: { groupAccess: [] },
      },
    }),
  );
}
