// deploy/ applied for real: the base and the dev overlay with `kubectl apply -k` on a real kube-apiserver (CRDs
// established, RBAC accepted — the API server refuses a Role granting what its creator does not hold —, the
// Deployments' pods admitted under the namespace's `restricted` Pod Security level), and the production overlay
// through `--dry-run=server` for every kind the server knows.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startKubeReal, type KubeReal } from '@ambient-operator/kube-real';
import { REPO_ROOT } from '../scripts/local-stack.js';
import { eventually, run } from './processes.js';

/** Kinds whose CRDs (KEDA, prometheus-operator) a bare cluster does not have; deploy-tests checks their schemas. */
const ADDON_GROUPS = ['keda.sh/', 'monitoring.coreos.com/'];

describe('deploy/ on a real API server', () => {
  let real: KubeReal;
  let dir: string;
  let kubeconfig: string;
  const kubectl = (args: string[], input?: string) =>
    run('kubectl', ['--kubeconfig', kubeconfig, ...args], input);
  const ok = async (args: string[], input?: string) => {
    const result = await kubectl(args, input);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'deploy-real-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    real = await startKubeReal({ kubeconfigPath: kubeconfig });
  });
  afterAll(async () => {
    await real?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the base applies: CRDs established, RBAC accepted, pods admitted as restricted', async () => {
    // The README's steps: the namespace and the Redis password Secret come first.
    await ok(['create', 'namespace', 'ambient-code']);
    await ok([
      '-n',
      'ambient-code',
      'create',
      'secret',
      'generic',
      'ambient-redis',
      '--from-literal=password=test',
    ]);
    const applied = await ok(['apply', '-k', path.join(REPO_ROOT, 'deploy/base')]);
    expect(applied).toContain(
      'customresourcedefinition.apiextensions.k8s.io/agenticsessions.vteam.ambient-code',
    );
    expect(applied).toContain('clusterrole.rbac.authorization.k8s.io/ambient-worker');
    await ok([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/agenticsessions.vteam.ambient-code',
      'crd/projectsettings.vteam.ambient-code',
    ]);
    // Every Deployment gets its pods: the ReplicaSet controller's creates passed PodSecurity `restricted`.
    for (const name of ['ambient-watcher', 'ambient-worker', 'ambient-redis']) {
      await eventually(
        () =>
          kubectl([
            '-n',
            'ambient-code',
            'get',
            'deploy',
            name,
            '-o',
            'jsonpath={.status.replicas}/{.spec.replicas}',
          ]),
        (r) => /^(\d+)\/\1$/.test(r.stdout),
        `${name}'s pods created`,
        90_000,
      );
    }
    const refused = await ok([
      '-n',
      'ambient-code',
      'get',
      'events',
      '--field-selector=reason=FailedCreate',
      '-o',
      'name',
    ]);
    expect(refused.trim()).toBe('');
  });

  test('the dev overlay applies on top', async () => {
    const applied = await ok(['apply', '-k', path.join(REPO_ROOT, 'deploy/overlays/dev')]);
    expect(applied).toMatch(/deployment\.apps\/ambient-worker (configured|unchanged)/);
    await eventually(
      () =>
        kubectl(['-n', 'ambient-code', 'get', 'deploy', 'ambient-worker', '-o', 'jsonpath={.spec.replicas}']),
      (r) => r.stdout === '1',
      'dev overlay: one worker',
    );
  });

  test('the production overlay passes --dry-run=server for every kind the server knows', async () => {
    const rendered = (await run('kubectl', ['kustomize', path.join(REPO_ROOT, 'deploy/overlays/production')]))
      .stdout;
    const docs = parseAllDocuments(rendered).map((d) => d.toJS() as { apiVersion: string; kind: string });
    const known = docs.filter((d) => !ADDON_GROUPS.some((g) => d.apiVersion.startsWith(g)));
    expect(docs.length - known.length).toBeGreaterThan(0); // ScaledObject, ServiceMonitors, PrometheusRule
    const input = known.map((d) => JSON.stringify(d)).join('\n');
    const result = await kubectl(['apply', '--dry-run=server', '-f', '-'], input);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(known.length);
  });
});
