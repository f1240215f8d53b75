import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { parseAllDocuments } from 'yaml';
import type { PodTimings } from '@ambient-operator/kube-sim/node';
import { ApiClient } from './api-client.js';
import { ensureBinaries } from './binaries.js';
import { ControlPlaneProcess } from './child-process.js';
import { buildKubeconfig } from './kubeconfig.js';
import { NodeAgent } from './node-agent.js';

export interface KubeRealOptions {
  /** kube-apiserver's HTTPS port. @defaultValue a free port */
  port?: number;
  /** Where to write an admin kubeconfig once the cluster is ready. */
  kubeconfigPath?: string;
  /** CustomResourceDefinition manifests (*.yaml) applied before the cluster counts as ready. */
  crdsDir?: string;
  /** etcd data, keys and tokens, kept across restarts. @defaultValue a temporary directory removed on stop */
  dataDir?: string;
  /** Directory with etcd, kube-apiserver and kube-controller-manager. @defaultValue built by scripts/build-kube-real.sh */
  binDir?: string;
  /** The node agent's pod lifecycle timings. @defaultValue kube-sim's */
  podTimings?: PodTimings;
  /**
   * How often kube-apiserver compacts etcd's history (resourceVersions older than the previous compaction then
   * answer 410 Expired). @defaultValue kube-apiserver's 5 minutes
   */
  etcdCompactionIntervalSeconds?: number;
  /**
   * Resources kube-apiserver serves without its watch cache (`--watch-cache-sizes=<resource>#0`): their watches
   * read etcd, so one from a compacted resourceVersion answers 410 (the cache would replay what it holds).
   */
  uncachedResources?: string[];
  /** Where kube-apiserver writes its audit log. @defaultValue `<dataDir>/logs/audit.log` */
  auditLogPath?: string;
  logger?: Logger;
  /** Aborts start-up: what was started is stopped and the promise rejects. */
  signal?: AbortSignal;
}

export interface KubeReal {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  /** The CA bundle that verifies kube-apiserver's serving certificate. */
  readonly caPem: string;
  /** A bearer token in group system:masters. */
  readonly adminToken: string;
  readonly dataDir: string;
  /** kube-apiserver's audit log (JSON lines): every request made by a ServiceAccount, at Metadata level. */
  readonly auditLogPath: string;
  /** A kubeconfig for `token` (the admin's by default). */
  kubeconfig(token?: string): string;
  writeKubeconfig(path: string, token?: string): Promise<void>;
  /** Resident memory of etcd, kube-apiserver and kube-controller-manager, in bytes. */
  memoryRssBytes(): Record<string, number>;
  stop(): Promise<void>;
}

/** kube-controller-manager's controllers: what a session, its runner Job and deploy/'s workloads rely on. */
const CONTROLLERS = [
  'job-controller',
  'cronjob-controller',
  'ttl-after-finished-controller',
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'replicaset-controller',
  'deployment-controller',
  'disruption-controller',
  'resourcequota-controller',
  'pod-garbage-collector-controller',
  'endpointslice-controller',
  'clusterrole-aggregation-controller',
];

/** Records what workloads do (ServiceAccounts: the operator's, the runners'), so RBAC use can be checked. */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    userGroups: ["system:serviceaccounts"]
  - level: None
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Keys and tokens of a data directory, created on its first use and reused after. */
async function ensureSecrets(pki: string): Promise<{ adminToken: string }> {
  await mkdir(pki, { recursive: true, mode: 0o700 });
  if (!existsSync(join(pki, 'sa.key'))) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(pki, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
    await writeFile(join(pki, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  }
  const tokens = join(pki, 'tokens.csv');
  if (!existsSync(tokens)) {
    const token = () => randomBytes(24).toString('hex');
    // token,user,uid,"groups": the admin, and kube-controller-manager (system:masters keeps its set-up to one flag).
    await writeFile(
      tokens,
      `${token()},kube-real-admin,kube-real-admin,"system:masters"\n` +
        `${token()},system:kube-controller-manager,kube-controller-manager,"system:masters"\n`,
      { mode: 0o600 },
    );
  }
  const [admin] = (await readFile(tokens, 'utf8')).split('\n');
  return { adminToken: admin!.split(',')[0]! };
}

async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  processes: ControlPlaneProcess[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    for (const p of processes) p.assertRunning();
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Starts a real control plane: etcd, kube-apiserver (token auth, Node,RBAC authorization, the default admission
 * plugins, ServiceAccount token signing), kube-controller-manager and a node agent that schedules and runs pods
 * with kube-sim's SIM_* scripting. Resolves once the API is ready, the CRDs are established and the `default`
 * ServiceAccount exists.
 */
export async function startKubeReal(options: KubeRealOptions = {}): Promise<KubeReal> {
  const logger = options.logger ?? pino({ level: 'warn' });
  const binDir = options.binDir ?? (await ensureBinaries());
  const temporary = !options.dataDir;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kube-real-')));
  const pki = join(dataDir, 'pki');
  const logs = join(dataDir, 'logs');
  await mkdir(logs, { recursive: true });
  const { adminToken } = await ensureSecrets(pki);
  const auditLogPath = options.auditLogPath ?? join(logs, 'audit.log');
  const processes: ControlPlaneProcess[] = [];
  let agent: NodeAgent | undefined;
  let client: ApiClient | undefined;

  const stop = async (): Promise<void> => {
    await agent?.stop();
    client?.close();
    for (const p of [...processes].reverse()) await p.stop();
    if (temporary) await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const [etcdPort, peerPort, apiPort] = [
      await freePort(),
      await freePort(),
      options.port || (await freePort()),
    ];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = new ControlPlaneProcess(
      'etcd',
      join(binDir, 'etcd'),
      [
        '--name=kube-real',
        `--data-dir=${join(dataDir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=kube-real=${peerUrl}`,
        '--unsafe-no-fsync', // a local, throw-away cluster: durability is not worth the disk latency
        '--log-level=warn',
      ],
      join(logs, 'etcd.log'),
    );
    processes.push(etcd);
    await waitUntil(
      'etcd',
      async () => (await fetch(`${etcdUrl}/health`)).ok,
      processes,
      60_000,
      options.signal,
    );

    const url = `https://127.0.0.1:${apiPort}`;
    const auditPolicy = join(pki, 'audit-policy.yaml');
    await writeFile(auditPolicy, AUDIT_POLICY);
    const apiserver = new ControlPlaneProcess(
      'kube-apiserver',
      join(binDir, 'kube-apiserver'),
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        // The `kubernetes` Service's endpoints would have to be a non-loopback address; nothing in-cluster needs them.
        '--endpoint-reconciler-type=none',
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(pki, 'serving')}`,
        `--token-auth-file=${join(pki, 'tokens.csv')}`,
        '--authorization-mode=Node,RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${join(pki, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        '--profiling=false',
        `--audit-policy-file=${auditPolicy}`,
        `--audit-log-path=${auditLogPath}`,
        ...(options.etcdCompactionIntervalSeconds !== undefined
          ? [`--etcd-compaction-interval=${options.etcdCompactionIntervalSeconds}s`]
          : []),
        ...(options.uncachedResources?.length
          ? [`--watch-cache-sizes=${options.uncachedResources.map((r) => `${r}#0`).join(',')}`]
          : []),
      ],
      join(logs, 'kube-apiserver.log'),
    );
    processes.push(apiserver);
    const caFile = join(pki, 'serving', 'apiserver.crt');
    await waitUntil(
      'kube-apiserver to write its serving certificate',
      async () => existsSync(caFile),
      processes,
      60_000,
      options.signal,
    );
    const caPem = await readFile(caFile, 'utf8');
    client = new ApiClient({ server: url, caPem, token: adminToken });
    const api = client;
    await waitUntil(
      'kube-apiserver /readyz',
      async () => (await api.request('GET', '/readyz')).status === 200,
      processes,
      240_000,
      options.signal,
    );

    const kubeconfig = (token = adminToken): string => buildKubeconfig({ server: url, caPem, token });
    // CRDs before kube-controller-manager: its garbage collector then watches custom resources from the start
    // instead of after its next discovery resync (30 s), so owned children of a CR are collected at once.
    if (options.crdsDir) await applyCrds(client, options.crdsDir, processes, options.signal);
    const kcmKubeconfig = join(pki, 'kube-controller-manager.kubeconfig');
    const kcmToken = (await readFile(join(pki, 'tokens.csv'), 'utf8')).split('\n')[1]!.split(',')[0]!;
    await writeFile(kcmKubeconfig, kubeconfig(kcmToken), { mode: 0o600 });
    processes.push(
      new ControlPlaneProcess(
        'kube-controller-manager',
        join(binDir, 'kube-controller-manager'),
        [
          `--kubeconfig=${kcmKubeconfig}`,
          `--controllers=${CONTROLLERS.join(',')}`,
          '--leader-elect=false',
          `--service-account-private-key-file=${join(pki, 'sa.key')}`,
          `--root-ca-file=${caFile}`,
          '--secure-port=0',
          '--concurrent-job-syncs=20',
        ],
        join(logs, 'kube-controller-manager.log'),
      ),
    );

    agent = new NodeAgent({
      client,
      logger: logger.child({ component: 'node-agent' }),
      timings: options.podTimings,
    });
    await agent.start();
    await waitUntil(
      'kube-controller-manager to create the default ServiceAccount',
      async () =>
        (await api.request('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
      processes,
      240_000,
      options.signal,
    );

    const kubeReal: KubeReal = {
      url,
      caPem,
      adminToken,
      dataDir,
      auditLogPath,
      kubeconfig,
      writeKubeconfig: (path, token) => writeFile(path, kubeconfig(token), { mode: 0o600 }),
      memoryRssBytes: () => Object.fromEntries(processes.map((p) => [p.name, p.rssBytes()])),
      stop,
    };
    if (options.kubeconfigPath) await kubeReal.writeKubeconfig(options.kubeconfigPath);
    logger.info({ url, dataDir }, 'kube-real ready');
    return kubeReal;
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** Creates (or leaves) every CRD in `dir` and waits until each is Established, as `kubectl wait` would. */
async function applyCrds(
  client: ApiClient,
  dir: string,
  processes: ControlPlaneProcess[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const path = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  const names: string[] = [];
  for (const file of (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      const crd = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const res = await client.request('POST', path, { body: crd });
      if (res.status !== 201 && res.status !== 409)
        throw new Error(
          `creating CRD ${crd.metadata?.name ?? file}: HTTP ${res.status} ${JSON.stringify(res.body)}`,
        );
      names.push(crd.metadata?.name ?? '');
    }
  }
  for (const name of names) {
    await waitUntil(
      `CRD ${name} to be Established`,
      async () => {
        const res = await client.request('GET', `${path}/${name}`);
        const conditions = (res.body as { status?: { conditions?: Array<{ type: string; status: string }> } })
          .status?.conditions;
        return conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
      },
      processes,
      60_000,
      signal,
    );
  }
}
