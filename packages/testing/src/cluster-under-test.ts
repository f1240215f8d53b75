// The Kubernetes cluster a test runs against: kube-sim (default) or, with CLUSTER=real, the real control plane of
// @ambient-operator/kube-real with deploy/base's ServiceAccounts and RBAC for the watcher and the workers.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { startKubeSim, type KubeSim, type KubeSimOptions } from '@ambient-operator/kube-sim';
import {
  readAuditLog,
  startKubeReal,
  summariseAccess,
  type AccessSummary,
  type KubeReal,
} from '@ambient-operator/kube-real';
import {
  OPERATOR_NAMESPACE_REAL,
  provisionOperatorIdentities,
  WATCHER_USER,
  WORKER_USER,
} from './operator-identities.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CRDS_DIR = path.join(REPO, 'deploy/crds');
/** Where real-cluster runs leave what the operator's ServiceAccounts used (test-artifacts/ is gitignored). */
export const RBAC_USAGE_DIR = path.join(REPO, 'test-artifacts/rbac-usage');

export type ClusterKind = 'sim' | 'real';

/** CLUSTER=sim|real (default sim): which cluster the system tests and `pnpm start` use. */
export function clusterKindFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterKind {
  const parsed = z
    .enum(['sim', 'real'])
    .default('sim')
    .safeParse(env.CLUSTER || undefined);
  if (!parsed.success) throw new Error(`CLUSTER must be "sim" or "real", got "${String(env.CLUSTER)}"`);
  return parsed.data;
}

export interface ClusterUnderTest {
  kind: ClusterKind;
  /** A cluster-admin kubeconfig (YAML/JSON text) for the test's own clients. */
  adminKubeconfig: string;
  /** What the watcher and the workers authenticate with: admin on kube-sim, deploy/base's ServiceAccounts on real. */
  watcherKubeconfig: string;
  workerKubeconfig: string;
  /** The operator's NAMESPACE (Lease) and BACKEND_NAMESPACE. */
  operatorNamespace: string;
  /** kube-sim, for tests that use its fault hooks; undefined on the real cluster. */
  sim: KubeSim | undefined;
  real: KubeReal | undefined;
  /**
   * Stops the cluster. On the real one it first reads the audit log: a 403 for the watcher or a worker throws
   * (deploy/'s RBAC is missing a permission), and what they used is written to test-artifacts/rbac-usage/.
   */
  stop(label?: string): Promise<void>;
}

async function startReal(): Promise<ClusterUnderTest> {
  const real = await startKubeReal({ crdsDir: CRDS_DIR });
  try {
    const adminPath = path.join(real.dataDir, 'admin.kubeconfig');
    await real.writeKubeconfig(adminPath);
    const tokens = await provisionOperatorIdentities(adminPath);
    const watcherKubeconfig = real.kubeconfig(tokens.watcher);
    const workerKubeconfig = real.kubeconfig(tokens.worker);
    return {
      kind: 'real',
      adminKubeconfig: real.kubeconfig(),
      watcherKubeconfig,
      workerKubeconfig,
      operatorNamespace: OPERATOR_NAMESPACE_REAL,
      sim: undefined,
      real,
      async stop(label = 'cluster') {
        const forbidden = await recordOperatorAccess(real.auditLogPath, label);
        await real.stop();
        if (forbidden.length)
          throw new Error(`deploy/base's RBAC refused the operator (403):\n${forbidden.join('\n')}`);
      },
    };
  } catch (err) {
    await real.stop();
    throw err;
  }
}

/**
 * What the watcher and the workers did according to a real cluster's audit log, written to
 * test-artifacts/rbac-usage/ (summed by the system-real project into rbac-usage.json); returns their 403s.
 */
export async function recordOperatorAccess(auditLogPath: string, label: string): Promise<string[]> {
  const access = summariseAccess(await readAuditLog(auditLogPath), [WATCHER_USER, WORKER_USER]);
  await recordAccess(label, access);
  return Object.entries(access).flatMap(([user, s]) => s.forbidden.map((f) => `${user}: ${f}`));
}

async function recordAccess(label: string, access: Record<string, AccessSummary>): Promise<void> {
  await mkdir(RBAC_USAGE_DIR, { recursive: true });
  const file = `${label.replace(/[^\w.-]+/g, '_')}-${process.pid}-${Date.now()}.json`;
  await writeFile(path.join(RBAC_USAGE_DIR, file), JSON.stringify(access, null, 2));
}

/** Starts the cluster of `kind` with the CRDs installed. */
export async function startClusterUnderTest(
  kind: ClusterKind = clusterKindFromEnv(),
  simOptions: Omit<KubeSimOptions, 'port' | 'crdsDir'> = {},
): Promise<ClusterUnderTest> {
  if (kind === 'real') return startReal();
  const sim = await startKubeSim({ namespaces: [], ...simOptions, port: 0, crdsDir: CRDS_DIR });
  return {
    kind,
    adminKubeconfig: sim.kubeconfig,
    watcherKubeconfig: sim.kubeconfig,
    workerKubeconfig: sim.kubeconfig,
    operatorNamespace: 'default',
    sim,
    real: undefined,
    stop: () => sim.stop(),
  };
}

/**
 * Resolves after a half second in which kube-sim served no request but watch opens (the operator is done with what
 * came before), or after `maxWaitMs` of requests. An absence of requests cannot be awaited as an event: a test that
 * counts requests waits for this before its counters are reset, and before it reads them.
 */
export async function untilQuiet(sim: KubeSim, maxWaitMs = 20_000): Promise<void> {
  for (let i = 0; i < maxWaitMs / 500; i++) {
    const sent = sim.requestCount() - sim.requestCount({ verb: 'watch' });
    await new Promise((r) => setTimeout(r, 500));
    if (sim.requestCount() - sim.requestCount({ verb: 'watch' }) === sent) return;
  }
}

/** kube-sim of a test cluster, for a test that needs its fault hooks (skip such tests on the real cluster). */
export function requireSim(cluster: { sim: KubeSim | undefined }): KubeSim {
  if (!cluster.sim)
    throw new Error('this test needs kube-sim (its fault hooks); it does not run on CLUSTER=real');
  return cluster.sim;
}
