// The operator's identities on a real cluster, exactly as deploy/base defines them: its ServiceAccounts, Roles
// and ClusterRoles (rendered by kustomize) in its namespace, and a token per ServiceAccount.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const DEPLOY_BASE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../deploy/base');

/** deploy/base's namespace: the operator's ServiceAccounts, its Lease and BACKEND_NAMESPACE live there. */
export const OPERATOR_NAMESPACE_REAL = 'ambient-code';
export const WATCHER_USER = `system:serviceaccount:${OPERATOR_NAMESPACE_REAL}:ambient-watcher`;
export const WORKER_USER = `system:serviceaccount:${OPERATOR_NAMESPACE_REAL}:ambient-worker`;

const RBAC_KINDS = new Set([
  'Namespace',
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
]);

function kubectl(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('kubectl', args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
    child.stdin?.end(input ?? '');
  });
}

/** deploy/base rendered by kustomize, only its Namespace and RBAC objects (the workloads run outside the cluster). */
async function deployBaseRbac(): Promise<string> {
  const rendered = await kubectl(['kustomize', DEPLOY_BASE]);
  return parseAllDocuments(rendered)
    .filter((doc) => RBAC_KINDS.has(String((doc.toJS() as { kind?: string } | null)?.kind)))
    .map((doc) => doc.toString())
    .join('---\n');
}

/**
 * Applies deploy/base's RBAC with the admin kubeconfig and returns a token (24 h, TokenRequest) for the watcher's
 * and the worker's ServiceAccounts: what they authenticate with on the real cluster, never as admin.
 */
export async function provisionOperatorIdentities(
  adminKubeconfigPath: string,
): Promise<{ watcher: string; worker: string }> {
  const manifests = await deployBaseRbac();
  // deploy/base expects its namespace to exist (the platform owns it; see deploy/README.md).
  await kubectl(['--kubeconfig', adminKubeconfigPath, 'create', 'namespace', OPERATOR_NAMESPACE_REAL]).catch(
    (err: unknown) => {
      if (!String(err).includes('AlreadyExists')) throw err;
    },
  );
  // A namespace just created may not be in the admission plugins' cache yet (NotFound for its contents), as on
  // any real cluster: apply again until everything is in.
  for (let attempt = 1; ; attempt++) {
    try {
      await kubectl(['--kubeconfig', adminKubeconfigPath, 'apply', '-f', '-'], manifests);
      break;
    } catch (err) {
      if (attempt >= 10 || !String(err).includes('not found')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  const token = async (serviceAccount: string) =>
    (
      await kubectl([
        '--kubeconfig',
        adminKubeconfigPath,
        'create',
        'token',
        serviceAccount,
        '-n',
        OPERATOR_NAMESPACE_REAL,
        '--duration=24h',
      ])
    ).trim();
  return { watcher: await token('ambient-watcher'), worker: await token('ambient-worker') };
}
