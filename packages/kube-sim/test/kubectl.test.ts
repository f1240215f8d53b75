import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeSim } from '@ambient-operator/kube-sim';
import { startKubeSim } from '@ambient-operator/kube-sim';
import { FIXTURES, Kubectl, runnerJob, waitFor } from './helpers.js';

let sim: KubeSim;
let kubectl: Kubectl;

beforeAll(async () => {
  sim = await startKubeSim({});
  kubectl = await Kubectl.create(sim);
  for (const crd of ['agenticsessions-crd.yaml', 'projectsettings-crd.yaml']) {
    await kubectl.ok(['apply', '-f', join(FIXTURES, crd)]);
  }
}, 30_000);

afterAll(async () => {
  await sim?.stop();
  await kubectl?.dispose();
});

describe('kubectl against kube-sim', () => {
  it('applies the CRDs, which then appear in discovery with short names', async () => {
    const resources = await kubectl.ok(['api-resources', '--api-group=vteam.ambient-code', '--no-headers']);
    expect(resources).toMatch(
      /^agenticsessions\s+as\s+vteam\.ambient-code\/v1alpha1\s+true\s+AgenticSession$/m,
    );
    expect(resources).toMatch(
      /^projectsettings\s+ps\s+vteam\.ambient-code\/v1alpha1\s+true\s+ProjectSettings$/m,
    );
    const crds = await kubectl.ok(['get', 'crd', '-o', 'name']);
    expect(crds.trim().split('\n').sort()).toEqual([
      'customresourcedefinition.apiextensions.k8s.io/agenticsessions.vteam.ambient-code',
      'customresourcedefinition.apiextensions.k8s.io/projectsettings.vteam.ambient-code',
    ]);
  });

  it('applies valid upstream examples and gets them by short name in table, yaml and json', async () => {
    await kubectl.ok(
      ['create', '-f', '-'],
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: my-project}\n',
    );
    expect(await kubectl.ok(['apply', '-f', join(FIXTURES, 'secret-and-projectsettings.yaml')])).toContain(
      'projectsettings.vteam.ambient-code/projectsettings created',
    );
    expect(
      await kubectl.ok(['apply', '-n', 'my-project', '-f', join(FIXTURES, 'agenticsession-valid.yaml')]),
    ).toContain('agenticsession.vteam.ambient-code/session-123 created');
    // Re-applying resends the defaulted repos list (as against a real server) but changes nothing.
    const rv = () =>
      kubectl.ok([
        'get',
        'as',
        'session-123',
        '-n',
        'my-project',
        '-o',
        'jsonpath={.metadata.resourceVersion}',
      ]);
    const before = await rv();
    await kubectl.ok(['apply', '-n', 'my-project', '-f', join(FIXTURES, 'agenticsession-valid.yaml')]);
    expect(await rv()).toBe(before);
    const table = await kubectl.ok(['get', 'as', '-n', 'my-project']);
    expect(table).toMatch(/^NAME\s+AGE\nsession-123\s+\d+s$/m);
    const ps = await kubectl.ok(['get', 'ps', '-n', 'my-project']);
    expect(ps).toMatch(/^NAME\s+AGE\nprojectsettings\s+\d+s$/m);
    const yaml = await kubectl.ok(['get', 'as', 'session-123', '-n', 'my-project', '-o', 'yaml']);
    expect(yaml).toContain('kind: AgenticSession');
    expect(yaml).toContain('autoPush: false'); // schema default
    const json = JSON.parse(
      await kubectl.ok(['get', 'ps', 'projectsettings', '-n', 'my-project', '-o', 'json']),
    ) as {
      spec: { inactivityTimeoutSeconds: number; groupAccess: unknown[] };
    };
    expect(json.spec.inactivityTimeoutSeconds).toBe(86400);
    expect(json.spec.groupAccess).toHaveLength(2);
    const secret = JSON.parse(
      await kubectl.ok(['get', 'secret', 'runner-secrets', '-n', 'my-project', '-o', 'json']),
    ) as {
      data: Record<string, string>;
    };
    expect(Buffer.from(secret.data.ANTHROPIC_API_KEY!, 'base64').toString()).toBe(
      'sk-ant-api03-your-key-here',
    );
  });

  it('rejects invalid objects with the field named in stderr', async () => {
    const missingUrl = await kubectl.run(
      ['apply', '-f', '-'],
      'apiVersion: vteam.ambient-code/v1alpha1\nkind: AgenticSession\nmetadata: {name: bad-1}\nspec:\n  repos:\n  - branch: main\n',
    );
    expect(missingUrl.code).not.toBe(0);
    expect(missingUrl.stderr).toContain('spec.repos[0].url: Required value');
    const badEnum = await kubectl.run(
      ['apply', '-f', '-'],
      'apiVersion: vteam.ambient-code/v1alpha1\nkind: ProjectSettings\nmetadata: {name: projectsettings}\nspec:\n  groupAccess:\n  - {groupName: g, role: owner}\n',
    );
    expect(badEnum.stderr).toContain('spec.groupAccess[0].role: Unsupported value: "owner"');
    const wrongName = await kubectl.run(
      ['apply', '-f', '-'],
      'apiVersion: vteam.ambient-code/v1alpha1\nkind: ProjectSettings\nmetadata: {name: my-project}\nspec:\n  groupAccess: []\n',
    );
    expect(wrongName.stderr).toContain("metadata.name must be 'projectsettings'");
    // The upstream design example carries spec.interactive, which the schema does not declare.
    const unknownField = await kubectl.run([
      'apply',
      '-f',
      join(FIXTURES, 'agenticsession-declarative.yaml'),
    ]);
    expect(unknownField.code).not.toBe(0);
    expect(unknownField.stderr).toContain('unknown field "spec.interactive"');
  });

  it('get -w streams creation, modification and deletion', async () => {
    const watch = kubectl.stream(['get', 'as', '-w', '--output-watch-events']);
    try {
      await kubectl.ok(
        ['apply', '-f', '-'],
        'apiVersion: vteam.ambient-code/v1alpha1\nkind: AgenticSession\nmetadata: {name: watched}\nspec: {}\n',
      );
      await watch.nextLine(/^ADDED\s+watched\s/);
      await kubectl.ok(['label', 'as', 'watched', 'tier=gold']);
      await watch.nextLine(/^MODIFIED\s+watched\s/);
      await kubectl.ok(['delete', 'as', 'watched']);
      await watch.nextLine(/^DELETED\s+watched\s/);
    } finally {
      watch.stop();
    }
  });

  it('patches with --type=merge and the status subresource, and labels', async () => {
    await kubectl.ok(
      ['apply', '-f', '-'],
      'apiVersion: vteam.ambient-code/v1alpha1\nkind: AgenticSession\nmetadata: {name: patched}\nspec: {timeout: 10}\n',
    );
    await kubectl.ok(['patch', 'as', 'patched', '--type=merge', '-p', '{"spec":{"timeout":20}}']);
    await kubectl.ok([
      'patch',
      'as',
      'patched',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"phase":"Running"}}',
    ]);
    await kubectl.ok(['label', 'as', 'patched', 'team=a']);
    const out = await kubectl.ok([
      'get',
      'as',
      'patched',
      '-o',
      'jsonpath={.spec.timeout} {.status.phase} {.metadata.generation} {.metadata.labels.team}',
    ]);
    expect(out).toBe('20 Running 2 a');
    expect(await kubectl.ok(['get', 'as', '-l', 'team=a', '-o', 'name'])).toBe(
      'agenticsession.vteam.ambient-code/patched\n',
    );
    const smp = await kubectl.run(['patch', 'as', 'patched', '-p', '{"spec":{"timeout":30}}']);
    expect(smp.code).not.toBe(0);
    expect(smp.stderr).toContain('strategic-merge-patch');
  });

  it('runs pods and jobs created from manifests, and shows pod status columns', async () => {
    await kubectl.ok([
      'run',
      'sleeper',
      '--image=busybox:1',
      '--restart=Never',
      '--env=SIM_RUN_SECONDS=0.05',
    ]);
    await waitFor(
      async () =>
        (await kubectl.ok(['get', 'pod', 'sleeper', '-o', 'jsonpath={.status.phase}'])) === 'Succeeded',
      'pod succeeded',
    );
    expect(await kubectl.ok(['get', 'pod', 'sleeper', '--no-headers'])).toMatch(
      /^sleeper\s+0\/1\s+Completed\s+0\s+\S+$/m,
    );
    const job = await readFile(join(FIXTURES, 'job.yaml'), 'utf8');
    await kubectl.ok(['create', '-f', '-'], job);
    await waitFor(
      async () => (await kubectl.ok(['get', 'job', 'hello', '-o', 'jsonpath={.status.succeeded}'])) === '1',
      'job succeeded',
    );
    expect(await kubectl.ok(['get', 'job', 'hello', '--no-headers'])).toMatch(/^hello\s+Complete\s+1\/1\s/m);
    const pods = await kubectl.ok([
      'get',
      'pods',
      '-l',
      'job-name=hello',
      '-o',
      'jsonpath={.items[0].status.containerStatuses[0].state.terminated.reason}',
    ]);
    expect(pods).toBe('Completed');
  });

  it('delete --cascade=foreground removes dependents before the owner', async () => {
    await kubectl.ok(
      ['apply', '-f', '-'],
      (await readFile(join(FIXTURES, 'job.yaml'), 'utf8'))
        .replace('name: hello', 'name: long')
        .replace('"0.05"', '"600"'),
    );
    await waitFor(
      async () => (await kubectl.ok(['get', 'pods', '-l', 'job-name=long', '-o', 'name'])).trim() !== '',
      'job pod',
    );
    await kubectl.ok(['delete', 'job', 'long', '--cascade=foreground']);
    expect(await kubectl.ok(['get', 'pods', '-l', 'job-name=long', '-o', 'name'])).toBe('');
    expect((await kubectl.run(['get', 'job', 'long'])).stderr).toContain('NotFound');
  });
});

describe('kubectl tables for what the operator creates', () => {
  const ns = 'tables';

  beforeAll(async () => {
    await kubectl.ok(['create', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`);
    await waitFor(
      async () => (await kubectl.run(['get', 'serviceaccount', 'default', '-n', ns])).code === 0,
      'default service account',
    );
  });

  function runnerJobJson(name: string, env: Parameters<typeof runnerJob>[1]): string {
    return JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', ...runnerJob(name, env) });
  }

  it('get as shows NAME and AGE (the CRD has no printer columns), and NAMESPACE with -A', async () => {
    await kubectl.ok(['apply', '-n', ns, '-f', join(FIXTURES, 'agenticsession-valid.yaml')]);
    const table = await kubectl.ok(['get', 'as', '-n', ns]);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+AGE$/);
    expect(table).toMatch(/^session-123\s+\d+s$/m);
    expect(await kubectl.ok(['get', 'as', '-A'])).toMatch(/^NAMESPACE\s+NAME\s+AGE$/m);
    expect(await kubectl.ok(['get', 'agenticsessions', '-A', '--no-headers'])).toMatch(
      new RegExp(`^${ns}\\s+session-123\\s+\\d+s$`, 'm'),
    );
  });

  it('get jobs,pods: a runner pod with its sidecar is 2/2 Running, then 0/2 Completed with the Job Complete', async () => {
    await kubectl.ok(['create', '-n', ns, '-f', '-'], runnerJobJson('live-runner', {}));
    await kubectl.ok(
      ['create', '-n', ns, '-f', '-'],
      runnerJobJson('done-runner', { runner: [{ name: 'SIM_RUN_SECONDS', value: '0.05' }] }),
    );
    await waitFor(
      async () =>
        (await kubectl.ok(['get', 'job', 'done-runner', '-n', ns, '-o', 'jsonpath={.status.succeeded}'])) ===
          '1' &&
        (await kubectl.ok(['get', 'pods', '-n', ns, '-l', 'job-name=live-runner', '--no-headers'])).includes(
          'Running',
        ),
      'one runner done, one running',
    );
    const table = await kubectl.ok(['get', 'jobs,pods', '-n', ns]);
    expect(table).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/m);
    expect(table).toMatch(/^job\.batch\/live-runner\s+Running\s+0\/1\s+\S+\s+\S+$/m);
    expect(table).toMatch(/^job\.batch\/done-runner\s+Complete\s+1\/1\s+\S+\s+\S+$/m);
    expect(table).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    expect(table).toMatch(/^pod\/live-runner-\w{5}\s+2\/2\s+Running\s+0\s+\S+$/m);
    expect(table).toMatch(/^pod\/done-runner-\w{5}\s+0\/2\s+Completed\s+0\s+\S+$/m);
    const wide = await kubectl.ok(['get', 'pods', '-n', ns, '-l', 'job-name=live-runner', '-o', 'wide']);
    expect(wide).toMatch(
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m,
    );
    expect(wide).toMatch(/\s10\.244\.\d+\.\d+\s+kube-sim-node\s+<none>\s+<none>$/m);
  });

  it('get pods: init progress, a failed runner, and sidecar restarts with their age', async () => {
    await kubectl.ok(
      ['create', '-n', ns, '-f', '-'],
      runnerJobJson('slow-init', { hydrate: [{ name: 'SIM_RUN_SECONDS', value: '600' }] }),
    );
    await kubectl.ok(
      ['create', '-n', ns, '-f', '-'],
      runnerJobJson('failed-runner', {
        runner: [
          { name: 'SIM_RUN_SECONDS', value: '0.05' },
          { name: 'SIM_EXIT_CODE', value: '2' },
        ],
      }),
    );
    await kubectl.ok(
      ['create', '-n', ns, '-f', '-'],
      runnerJobJson('flaky-sync', {
        sync: [
          { name: 'SIM_RUN_SECONDS', value: '0.02' },
          { name: 'SIM_EXIT_CODE', value: '1' },
        ],
      }),
    );
    const pods = await waitFor(async () => {
      const out = await kubectl.ok(['get', 'pods', '-n', ns, '--no-headers']);
      return /^failed-runner-\w{5}\s+0\/2\s+Error\s/m.test(out) &&
        /^flaky-sync-\w{5}\s.*\(\S+ ago\)/m.test(out)
        ? out
        : undefined;
    }, 'failed runner and restarted sidecar');
    expect(pods).toMatch(/^slow-init-\w{5}\s+0\/2\s+Init:0\/2\s+0\s+\S+$/m);
    expect(pods).toMatch(/^flaky-sync-\w{5}\s+[12]\/2\s+Running\s+\d+ \(\S+ ago\)\s+\S+$/m);
    expect(await kubectl.ok(['get', 'job', 'failed-runner', '-n', ns, '--no-headers'])).toMatch(
      /^failed-runner\s+Failed\s+0\/1\s/m,
    );
  });
});
