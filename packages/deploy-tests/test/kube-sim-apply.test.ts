import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { startKubeSim, type KubeSim } from '@ambient-operator/kube-sim';
import { describeObject, type KubeObject } from '@ambient-operator/deploy-tests';
import { build, paths } from './support/builds.js';

/**
 * kubectl always sends a PodDisruptionBudget's `spec.selector` (replaced whole on patch), so a re-apply
 * reports it `configured` on a real cluster too; anything else must come back `unchanged`.
 */
const ALWAYS_CONFIGURED = /^poddisruptionbudget\.policy\/\S+ configured$/;

let sim: KubeSim;
let workDir: string;
let kubeconfigPath: string;

beforeAll(async () => {
  // ambient-code is the platform's namespace: deploy/ expects it to exist (deploy/README.md, step 3).
  sim = await startKubeSim({ port: 0, namespaces: ['ambient-code'] });
  workDir = await mkdtemp(join(tmpdir(), 'deploy-tests-kube-sim-'));
  kubeconfigPath = join(workDir, 'kubeconfig');
  await writeFile(kubeconfigPath, sim.kubeconfig);
});

afterAll(async () => {
  await sim?.stop();
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

/** Runs the real kubectl against kube-sim (asynchronously: kube-sim serves from this process). */
function kubectl(
  args: readonly string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env['KUBECTL'] ?? 'kubectl', ['--kubeconfig', kubeconfigPath, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

async function kubectlJson(args: readonly string[]): Promise<unknown> {
  const result = await kubectl([...args, '-o', 'json']);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const discoverySchema = z.looseObject({
  resources: z.array(z.looseObject({ name: z.string(), kind: z.string() })),
});
const groupsSchema = z.looseObject({
  groups: z.array(z.looseObject({ versions: z.array(z.looseObject({ groupVersion: z.string() })) })),
});

/** `apiVersion/kind` of everything the server serves, from discovery (kubectl get --raw). */
async function servedKinds(): Promise<Set<string>> {
  const raw = async (path: string): Promise<unknown> => {
    const result = await kubectl(['get', '--raw', path]);
    if (result.code !== 0) throw new Error(`GET ${path}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  };
  const served = new Set<string>();
  const addAll = (groupVersion: string, list: unknown): void => {
    for (const r of discoverySchema.parse(list).resources) {
      if (!r.name.includes('/')) served.add(`${groupVersion}/${r.kind}`);
    }
  };
  addAll('v1', await raw('/api/v1'));
  for (const group of groupsSchema.parse(await raw('/apis')).groups) {
    for (const { groupVersion } of group.versions) addAll(groupVersion, await raw(`/apis/${groupVersion}`));
  }
  return served;
}

const kindKey = (o: KubeObject): string => `${o.apiVersion}/${o.kind}`;

describe('the base applies to kube-sim with kubectl', () => {
  it('kube-sim serves every kind of the base', async () => {
    const served = await servedKinds();
    const unserved = [...new Set((await build('base')).map(kindKey))].filter((k) => !served.has(k)).sort();
    expect(unserved).toEqual([]);
  });

  it('kubectl apply creates every object kube-sim serves; a second apply changes nothing', async () => {
    const served = await servedKinds();
    const objects = (await build('base')).filter((o) => served.has(kindKey(o)));
    const manifest = objects.map((o) => stringify(o)).join('---\n');
    const first = await kubectl(['apply', '-f', '-'], manifest);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const created = first.stdout.trim().split('\n');
    expect(created).toHaveLength(objects.length);
    expect(created.every((line) => line.endsWith(' created'))).toBe(true);
    const second = await kubectl(['apply', '-f', '-'], manifest);
    expect(second.code).toBe(0);
    expect(
      second.stdout
        .trim()
        .split('\n')
        .filter((line) => !line.endsWith(' unchanged') && !ALWAYS_CONFIGURED.test(line)),
    ).toEqual([]);
  });

  it('what was applied reads back the same', async () => {
    const objects = await build('base');
    const served = await servedKinds();
    for (const object of objects.filter((o) => served.has(kindKey(o)))) {
      const args = [
        'get',
        object.kind.toLowerCase() +
          (object.apiVersion.includes('/') ? `.${object.apiVersion.split('/')[0]}` : ''),
        object.metadata.name,
      ];
      if (object.metadata.namespace !== undefined) args.push('-n', object.metadata.namespace);
      const live = z
        .looseObject({ metadata: z.looseObject({ labels: z.record(z.string(), z.string()).optional() }) })
        .parse(await kubectlJson(args));
      expect(live.metadata.labels ?? {}, describeObject(object)).toMatchObject(object.metadata.labels ?? {});
      for (const field of ['rules', 'roleRef', 'subjects', 'data']) {
        const expected = (object as Record<string, unknown>)[field];
        if (expected !== undefined)
          expect((live as Record<string, unknown>)[field], `${describeObject(object)} ${field}`).toEqual(
            expected,
          );
      }
    }
  }, 60_000); // one kubectl process per object: slow on a loaded machine

  it('the CRDs are established and the example project, settings and session apply', async () => {
    for (const crd of [
      'agenticsessions.vteam.ambient-code',
      'projectsettings.vteam.ambient-code',
      'agenttasks.scheduler.ambient-code.io',
      'workflows.scheduler.ambient-code.io',
    ]) {
      const wait = await kubectl(['wait', '--for=condition=Established', '--timeout=30s', `crd/${crd}`]);
      expect(wait.stderr).toBe('');
      expect(wait.code).toBe(0);
    }
    const applied = await kubectl([
      'apply',
      '-f',
      join(paths.examples, 'namespace.yaml'),
      '-f',
      join(paths.examples, 'projectsettings.yaml'),
      '-f',
      join(paths.examples, 'agenticsession.yaml'),
    ]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout.trim().split('\n').sort()).toEqual([
      'agenticsession.vteam.ambient-code/hello-session created',
      'namespace/demo created',
      'projectsettings.vteam.ambient-code/projectsettings created',
    ]);
    const session = z
      .looseObject({ spec: z.looseObject({ initialPrompt: z.string() }) })
      .parse(await kubectlJson(['get', 'agenticsession', 'hello-session', '-n', 'demo']));
    expect(session.spec.initialPrompt).toMatch(/haiku/);
  });

  it('kubectl get as shows PHASE, STARTED and AGE; -o wide adds DISPLAY NAME and MODEL', async () => {
    const startTime = new Date(Date.now() - 300_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const patched = await kubectl([
      'patch',
      'as',
      'hello-session',
      '-n',
      'demo',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { phase: 'Running', startTime } }),
    ]);
    expect(patched.stderr).toBe('');
    const table = await kubectl(['get', 'as', '-n', 'demo']);
    expect(table.stdout).toMatch(/^NAME\s+PHASE\s+STARTED\s+AGE$/m);
    expect(table.stdout).toMatch(/^hello-session\s+Running\s+5m\d*s?\s+\d+s$/m);
    const wide = await kubectl(['get', 'as', '-n', 'demo', '-o', 'wide']);
    expect(wide.stdout).toMatch(/^NAME\s+PHASE\s+DISPLAY NAME\s+MODEL\s+STARTED\s+AGE$/m);
    expect(wide.stdout).toMatch(/^hello-session\s+Running\s+.+\s+claude-\S+\s+5m\d*s?\s+\d+s$/m);
  });
});
