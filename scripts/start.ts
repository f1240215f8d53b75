// `pnpm start`: the whole system locally on embedded defaults, in the foreground; Ctrl-C stops it all.
// The local cluster's objects persist in <LOCAL_DIR>/cluster.json (kube-sim's `--data` format): loaded at
// start, saved at stop, so a cluster seeded with `pnpm kube-sim --data .local/cluster.json` (e.g. the Go
// operator's objects, to rehearse a cutover) is what the operator starts on. `--fresh` / FRESH=1 starts empty.
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DEMO_NAMESPACE, REPO_ROOT, startLocalStack, type StackProcess } from './local-stack.js';
import { prometheusScrapeConfig } from './prometheus-config.js';

const envSchema = z.object({
  WORKERS: z.coerce.number().int().min(1).max(32).default(2),
  KUBE_SIM_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  DASHBOARD_HOST: z.string().min(1).default('127.0.0.1'),
  DASHBOARD_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOCAL_DIR: z.string().min(1).optional(),
  FRESH: z
    .enum(['1', 'true', 'yes', '0', 'false', 'no'], { error: 'expected 1/true/yes or 0/false/no' })
    .optional(),
  API_SERVER: z.enum(['embedded'], { error: 'expected "embedded" (or unset)' }).optional(),
  AMBIENT_API_TOKEN: z.string().min(20, 'expected at least 20 characters').optional(),
  /** sim (default): kube-sim; real: the real control plane of `pnpm kube-real` (needs Go for its first build). */
  CLUSTER: z.enum(['sim', 'real'], { error: 'expected "sim" or "real"' }).default('sim'),
});

const USAGE =
  'usage: [API_SERVER=embedded] pnpm start [--fresh]   (FRESH=1 is the same as --fresh; API_SERVER=embedded adds api-sim)';

const REDIS_VARIABLES = [
  'REDIS_URL',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_NAME',
  'REDIS_SENTINEL_PASSWORD',
  'REDIS_CLUSTER_NODES',
  'QUEUE_PREFIX',
] as const;

async function main(): Promise<void> {
  // An empty variable means unset, as in most shells' habits (`REDIS_URL= pnpm start`).
  const parsed = envSchema.safeParse(
    Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== '')),
  );
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      process.stderr.write(`pnpm start: ${issue.path.join('.')}: ${issue.message}\n`);
    process.exit(2);
  }
  const env = parsed.data;
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== '--fresh');
  if (unknown.length > 0) {
    process.stderr.write(`pnpm start: unknown argument ${unknown.join(' ')}\n${USAGE}\n`);
    process.exit(2);
  }
  const fresh = args.includes('--fresh') || ['1', 'true', 'yes'].includes(env.FRESH ?? '');
  const localDir = path.resolve(REPO_ROOT, env.LOCAL_DIR ?? '.local');
  const clusterFile = path.join(localDir, 'cluster.json');
  const apiServerFile = path.join(localDir, 'api-server.json');
  if (fresh) await rm(clusterFile, { force: true });
  if (fresh) await rm(apiServerFile, { force: true });
  const apiToken = env.AMBIENT_API_TOKEN ?? randomBytes(24).toString('hex');
  let shuttingDown = false;
  const stack = await startLocalStack({
    workers: env.WORKERS,
    cluster: env.CLUSTER,
    kubeSimPort: env.KUBE_SIM_PORT,
    dashboardHost: env.DASHBOARD_HOST,
    dashboardPort: env.DASHBOARD_PORT,
    // REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES: use that Redis (validated like every component does).
    redisEnv: Object.fromEntries(
      REDIS_VARIABLES.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
    ),
    localDir,
    kubeSimDataFile: clusterFile,
    ...(env.API_SERVER === 'embedded' ? { apiServer: { token: apiToken, dataFile: apiServerFile } } : {}),
    onChildExit: (name, code, signal) => {
      if (shuttingDown) return;
      process.stderr.write(
        `pnpm start: ${name} exited unexpectedly (code ${code}, signal ${signal}); stopping\n`,
      );
      void shutdown(1);
    },
  });

  async function shutdown(code: number): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    process.stdout.write('\nstopping…\n');
    await stack.stop();
    process.exit(code);
  }
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  // A supervisor that dies without passing on its signal (pnpm does not forward SIGTERM) re-parents us.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown(0);
  }, 1000).unref();

  const endpoints = stack.running().filter((p) => p.metricsUrl ?? p.probesUrl);
  const prometheusConfig = path.join(stack.localDir, 'prometheus.yml');
  await writeFile(prometheusConfig, prometheusScrapeConfig(endpoints));
  const kubectl = `kubectl --kubeconfig ${stack.kubeconfigPath}`;
  const apiLines = stack.apiServer ? await describeApiServer(stack.apiServer, stack.localDir) : [];
  process.stdout.write(
    [
      '',
      'ambient-session-operator is running locally:',
      ...(env.CLUSTER === 'real'
        ? [
            `  Kubernetes API (kube-real) ${stack.kubeSimUrl}   kubeconfig: ${stack.kubeconfigPath}`,
            `  Cluster state              a temporary etcd, removed on stop`,
          ]
        : [
            `  Kubernetes API (kube-sim)  ${stack.kubeSimUrl}   kubeconfig: ${stack.kubeconfigPath}`,
            `  Cluster state              ${clusterFile} (${fresh ? 'started empty' : 'kept across restarts'}; --fresh empties it)`,
          ]),
      `  Redis                      ${stack.redisDescription}`,
      ...(stack.dashboardUrl
        ? [
            `  Dashboard                  ${stack.dashboardUrl}/sessions`,
            `  Phase model                ${stack.dashboardUrl}/machine`,
            `  Queue (Bull Board)         ${stack.dashboardUrl}/queues`,
          ]
        : []),
      ...apiLines,
      `  Processes                  ${stack.processes.map((p) => `${p.name}(${p.pid})`).join(' ')}`,
      '',
      'Metrics and probes:',
      ...endpoints.map(endpointLine),
      `  Prometheus scrape config   ${prometheusConfig}   (prometheus --config.file=${prometheusConfig})`,
      '',
      'Create a session in the managed namespace "demo":',
      `  cat <<'YAML' | ${kubectl} apply -f -`,
      '  apiVersion: vteam.ambient-code/v1alpha1',
      '  kind: AgenticSession',
      '  metadata: { name: hello, namespace: demo }',
      '  spec: { initialPrompt: "Say hello", displayName: Hello }',
      '  YAML',
      `  ${kubectl} get agenticsessions -n ${DEMO_NAMESPACE} -w`,
      `  ${kubectl} annotate as hello -n ${DEMO_NAMESPACE} ambient-code.io/desired-phase=Stopped`,
      '',
      `ready: ${JSON.stringify({ processes: stack.processes, kubeconfig: stack.kubeconfigPath, dashboard: stack.dashboardUrl ?? null, endpoints, prometheusConfig })}`,
      'Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );
}

/** Writes `<localDir>/api-server.env` (shell syntax) and returns the lines that show how to use the API. */
async function describeApiServer(
  api: { url: string; grpcAddress: string; token: string },
  localDir: string,
): Promise<string[]> {
  const envFile = path.join(localDir, 'api-server.env');
  const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  await writeFile(
    envFile,
    [
      `export AMBIENT_API_SERVER_URL=${quote(api.url)}`,
      `export AMBIENT_API_TOKEN=${quote(api.token)}`,
      `export AMBIENT_GRPC_SERVER_ADDR=${quote(api.grpcAddress)}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const base = `${api.url}/api/ambient/v1`;
  return [
    `  ambient-api-server (api-sim) ${base}   gRPC ${api.grpcAddress}`,
    `  API token                  ${api.token}   (also in ${envFile})`,
    `  Create a session through the API (it runs in the namespace of project "demo"):`,
    `    curl -s -X POST ${base}/sessions -H "Authorization: Bearer ${api.token}" \\`,
    `      -H 'Content-Type: application/json' -d '{"name":"hello","project_id":"${DEMO_NAMESPACE}","prompt":"Say hello"}'`,
    `    curl -s ${base}/sessions -H "Authorization: Bearer ${api.token}"`,
  ];
}

function endpointLine(p: StackProcess): string {
  const urls = [
    ...(p.metricsUrl ? [`${p.metricsUrl}/metrics`] : []),
    ...(p.probesUrl ? [`${p.probesUrl}/healthz`, `${p.probesUrl}/readyz`] : []),
  ];
  return `  ${p.name.padEnd(26)} ${urls.join('  ')}`;
}

main().catch((err: unknown) => {
  process.stderr.write(`pnpm start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
