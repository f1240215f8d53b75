// kubectl's everyday commands against kube-sim, as a user types them against `pnpm start`. The same commands
// run against a real API server in the fidelity suite (packages/kube-real/test/fidelity/cases.ts), which
// compares their output.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from '@ambient-operator/kube-sim';
import { FIXTURES, Kubectl } from './helpers.js';

let sim: KubeSim;
let kubectl: Kubectl;

const configMap = (data: string, name = 'settings') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: default}\ndata: ${data}\n`;

beforeAll(async () => {
  sim = await startKubeSim({});
  kubectl = await Kubectl.create(sim);
  await kubectl.ok(['apply', '-f', join(FIXTURES, 'agenticsessions-crd.yaml')]);
}, 30_000);

afterAll(async () => {
  await sim?.stop();
  await kubectl?.dispose();
});

describe('kubectl explain (OpenAPI v3 schemas)', () => {
  it("explains a custom resource's field from its CRD schema", async () => {
    const out = await kubectl.ok(['explain', 'agenticsessions.spec']);
    expect(out).toMatch(/^GROUP:\s+vteam\.ambient-code$/m);
    expect(out).toMatch(/^KIND:\s+AgenticSession$/m);
    expect(out).toMatch(/^FIELD:\s+spec <Object>$/m);
    expect(out).toMatch(/^ {2}initialPrompt\s+<string>$/m);
  });

  it("explains a built-in kind's nested field with the API server's docs", async () => {
    const out = await kubectl.ok(['explain', 'pods.spec.containers']);
    expect(out).toMatch(/^FIELD:\s+containers <\[\]Container>$/m);
    expect(out).toMatch(/List of containers belonging to the pod/);
    expect(out).toMatch(/^ {2}image\s+<string>$/m);
    const job = await kubectl.ok(['explain', 'jobs.spec.backoffLimit']);
    expect(job).toMatch(/^FIELD:\s+backoffLimit <integer>$/m);
  });

  it('a CRD applied later is explained at once (the document hash changes, so no stale cache)', async () => {
    const before = await kubectl.run(['explain', 'projectsettings.spec']);
    expect(before.code).not.toBe(0);
    await kubectl.ok(['apply', '-f', join(FIXTURES, 'projectsettings-crd.yaml')]);
    expect(await kubectl.ok(['explain', 'projectsettings.spec'])).toMatch(/^KIND:\s+ProjectSettings$/m);
  });
});

describe('kubectl get, describe, wait, events', () => {
  it('get -o wide and -o custom-columns', async () => {
    await kubectl.ok(['create', 'job', 'once', '--image=busybox', '--', 'true']);
    const wide = await kubectl.ok(['get', 'jobs', '-o', 'wide']);
    expect(wide).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/m);
    expect(wide).toMatch(
      /^once\s+\S+\s+\d\/1\s+.*\s+once\s+busybox\s+batch\.kubernetes\.io\/controller-uid=/m,
    );
    const columns = await kubectl.ok([
      'get',
      'jobs',
      '-o',
      'custom-columns=NAME:.metadata.name,LIMIT:.spec.backoffLimit,IMAGE:.spec.template.spec.containers[0].image',
    ]);
    expect(columns).toMatch(/^NAME\s+LIMIT\s+IMAGE\nonce\s+6\s+busybox\n$/);
  });

  it('describe shows the object, its pods and its events', async () => {
    const out = await kubectl.ok(['describe', 'job', 'once']);
    expect(out).toMatch(/^Name:\s+once$/m);
    expect(out).toMatch(/^Backoff Limit:\s+6$/m);
    expect(out).toMatch(/Normal\s+SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: once-/);
  });

  it('wait --for=jsonpath and --for=condition, and a timeout exits non-zero', async () => {
    await kubectl.ok(['apply', '-f', '-'], configMap('{a: "1"}'));
    expect(await kubectl.ok(['wait', '--for=jsonpath={.data.a}=1', 'cm/settings', '--timeout=5s'])).toBe(
      'configmap/settings condition met\n',
    );
    expect(
      await kubectl.ok(['wait', '--for=condition=Ready', 'pod', '-l', 'job-name=once', '--timeout=10s']),
    ).toMatch(/^pod\/once-\S+ condition met\n$/);
    const late = await kubectl.run(['wait', '--for=jsonpath={.data.a}=2', 'cm/settings', '--timeout=1s']);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('timed out waiting for the condition on configmaps/settings');
  });

  it('events lists what the controllers recorded', async () => {
    const out = await kubectl.ok(['events']);
    expect(out).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
    expect(out).toMatch(/Normal\s+SuccessfulCreate\s+Job\/once\s+Created pod: once-/);
  });
});

describe('kubectl apply --server-side and diff', () => {
  it('a second field manager conflicts on a field another applied, and --force-conflicts takes it', async () => {
    await kubectl.ok(['apply', '--server-side', '-f', '-'], configMap('{ssa: "1", kept: "k"}', 'applied'));
    const conflict = await kubectl.run(
      ['apply', '--server-side', '--field-manager=other', '-f', '-'],
      configMap('{ssa: "2"}', 'applied'),
    );
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .data.ssa');
    await kubectl.ok(
      ['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'],
      configMap('{ssa: "2"}', 'applied'),
    );
    const managers = JSON.parse(
      await kubectl.ok(['get', 'cm', 'applied', '-o', 'jsonpath={.metadata.managedFields}']),
    ) as { manager: string; operation: string; fieldsV1: unknown }[];
    expect(managers.map((m) => [m.manager, m.operation, m.fieldsV1])).toEqual(
      expect.arrayContaining([
        ['kubectl', 'Apply', { 'f:data': { 'f:kept': {} } }],
        ['other', 'Apply', { 'f:data': { 'f:ssa': {} } }],
      ]),
    );
    // A field its only applier stops applying is removed; one the applier still applies stays.
    await kubectl.ok(['apply', '--server-side', '-f', '-'], configMap('{}', 'applied'));
    expect(await kubectl.ok(['get', 'cm', 'applied', '-o', 'jsonpath={.data}'])).toBe('{"ssa":"2"}');
  });

  it('diff exits 1 and prints the change, 0 when there is none', async () => {
    await kubectl.ok(['apply', '-f', '-'], configMap('{d: "1"}', 'diffed'));
    const same = await kubectl.run(['diff', '-f', '-'], configMap('{d: "1"}', 'diffed'));
    expect(same).toMatchObject({ code: 0, stdout: '' });
    const changed = await kubectl.run(['diff', '-f', '-'], configMap('{d: "2"}', 'diffed'));
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^-\s+d: "1"$/m);
    expect(changed.stdout).toMatch(/^\+\s+d: "2"$/m);
    // A dry run: nothing changed.
    expect(await kubectl.ok(['get', 'cm', 'diffed', '-o', 'jsonpath={.data.d}'])).toBe('1');
  });
});
