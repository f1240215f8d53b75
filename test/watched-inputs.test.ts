// A worker's watches of a runner build's namespace-wide inputs (worker/src/watched-inputs.ts) against kube-sim: they
// answer only while in step, follow every change at once, and leave the readers to read live when a watch cannot run.
import { Writable } from 'node:stream';
import { startKubeSim, type KubeSim } from '@ambient-operator/kube-sim';
import {
  SharedAgentKubeConfig,
  createLogger,
  makeKubeClients,
  mergePatch,
  type KubeClients,
} from '@ambient-operator/shared';
import { CRDS_DIR, eventually } from '@ambient-operator/testing';
import {
  createManagedNamespaces,
  namespaceKey,
  runnerInputs,
  startWatchedInputs,
  type WatchedInputs,
} from '@ambient-operator/worker';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

const RUNNER_SECRET = 'secrets:team-a/ambient-runner-secrets';

let sim: KubeSim;
let kc: SharedAgentKubeConfig;
let api: KubeClients;
let inputs: WatchedInputs | undefined;

beforeAll(async () => {
  sim = await startKubeSim({ port: 0, crdsDir: CRDS_DIR, namespaces: [] });
  kc = new SharedAgentKubeConfig();
  kc.loadFromString(sim.kubeconfig);
  api = makeKubeClients(kc);
  await api.core.createNamespace({
    body: { metadata: { name: 'team-a', labels: { 'ambient-code.io/managed': 'true' } } },
  });
  await api.core.createNamespace({ body: { metadata: { name: 'team-b' } } });
  await api.core.createNamespacedSecret({
    namespace: 'team-a',
    body: { metadata: { name: 'ambient-runner-secrets' }, stringData: { ANTHROPIC_API_KEY: 'first' } },
  });
});
afterEach(async () => {
  await inputs?.close();
  inputs = undefined;
  sim.faults.reset();
});
afterAll(async () => {
  kc?.destroyAgent();
  await sim?.stop();
});

/** Starts the worker's watches; `changed(key)` resolves at the next change a watch sees of `key`. */
function start(options: { stallTimeoutMs?: number; lines?: string[] } = {}) {
  const waiting = new Map<string, () => void>();
  const log = createLogger({
    level: 'warn',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        options.lines?.push(chunk.toString());
        done();
      },
    }),
  });
  const started = startWatchedInputs({
    kubeConfig: kc,
    inputs: runnerInputs({ vertexEnabled: false }),
    onChange: (key) => waiting.get(key)?.(),
    log,
    backoffMaxMs: 100,
    ...(options.stallTimeoutMs !== undefined ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
  });
  inputs = started;
  const changed = (key: string) => new Promise<void>((resolve) => waiting.set(key, resolve));
  const inStep = () => eventually(async () => started.inStep(), Boolean, 'every watch in step');
  return { inputs: started, changed, inStep };
}

const dataOf = (answer: unknown) =>
  Buffer.from((answer as { data: Record<string, string> }).data.ANTHROPIC_API_KEY ?? '', 'base64').toString();

describe('watched runner inputs', () => {
  test('answer nothing before their first list, then what the cluster holds: the object, or null for none', async () => {
    const { inputs, inStep } = start();
    // Not listed yet: every reader reads live.
    expect(inputs.answer(RUNNER_SECRET)).toBeUndefined();
    await inStep();
    expect(dataOf(inputs.answer(RUNNER_SECRET))).toBe('first');
    expect(inputs.answer('secrets:team-b/ambient-runner-secrets')).toBeNull();
    // The CA bundle is not watched (large; recent-reads.ts keeps its read for 5 s).
    expect(inputs.answer('configmaps:team-a/trusted-ca-bundle')).toBeUndefined();
    expect(inputs.answer('networkpolicies:team-a/runner-allow-backend-only')).toBeNull();
    expect(inputs.answer('projectsettings:team-a/projectsettings')).toBeNull();
    // Objects of other names are never watched (a namespace's other Secrets are not brought into the process).
    expect(inputs.answer('secrets:team-a/some-other-secret')).toBeUndefined();
    expect(inputs.answer(namespaceKey('team-a'))).toMatchObject({ metadata: { name: 'team-a' } });
    expect(inputs.answer(namespaceKey('team-b'))).toBeNull();
  });

  test('follow an edit, a creation and a deletion as they happen', async () => {
    const { inputs, changed, inStep } = start();
    await inStep();
    let seen = changed(RUNNER_SECRET);
    await api.core.patchNamespacedSecret(
      {
        namespace: 'team-a',
        name: 'ambient-runner-secrets',
        body: { stringData: { ANTHROPIC_API_KEY: 'second' } },
      },
      mergePatch,
    );
    await seen;
    expect(dataOf(inputs.answer(RUNNER_SECRET))).toBe('second');

    const policyKey = 'networkpolicies:team-b/runner-allow-backend-only';
    seen = changed(policyKey);
    await api.networking.createNamespacedNetworkPolicy({
      namespace: 'team-b',
      body: {
        metadata: { name: 'runner-allow-backend-only' },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      },
    });
    await seen;
    expect(inputs.answer(policyKey)).toMatchObject({ spec: { policyTypes: ['Ingress'] } });
    seen = changed(policyKey);
    await api.networking.deleteNamespacedNetworkPolicy({
      namespace: 'team-b',
      name: 'runner-allow-backend-only',
    });
    await seen;
    expect(inputs.answer(policyKey)).toBeNull();
  });

  test('a watch that went silent answers nothing until it is back in step, and missed nothing', async () => {
    const { inputs, inStep } = start({ stallTimeoutMs: 300 });
    await inStep();
    // Silent watches, and the relists that replace them failing: out of step until the faults end.
    sim.faults.stallWatches(true);
    sim.faults.failNext({ status: 500, verb: 'list', resource: 'secrets', count: 1_000_000 });
    await api.core.patchNamespacedSecret(
      {
        namespace: 'team-a',
        name: 'ambient-runner-secrets',
        body: { stringData: { ANTHROPIC_API_KEY: 'third' } },
      },
      mergePatch,
    );
    // The edit is not delivered; once the watch is past its stall timeout it is not trusted.
    await eventually(
      async () => inputs.answer(RUNNER_SECRET),
      (a) => a === undefined,
      'the stalled watch to stop answering',
    );
    expect(inputs.answer(RUNNER_SECRET)).toBeUndefined();
    sim.faults.reset();
    await eventually(
      async () => inputs.answer(RUNNER_SECRET),
      (a) => a !== undefined && a !== null && dataOf(a) === 'third',
      'the edit, after the watch came back',
    );
  });

  test('a watch refused (403) leaves its objects to live reads, says so once, and the others answer', async () => {
    sim.faults.failNext({ status: 403, verb: 'list', resource: 'networkpolicies', count: 1_000_000 });
    const lines: string[] = [];
    const { inputs } = start({ lines });
    await eventually(
      async () => inputs.answer(RUNNER_SECRET),
      (a) => a !== undefined,
      'the Secret watch in step',
    );
    await eventually(
      async () => lines.length,
      (n) => n >= 1,
      'the warning',
    );
    expect(inputs.answer('networkpolicies:team-a/runner-allow-backend-only')).toBeUndefined();
    expect(inputs.inStep()).toBe(false);
    // Retried every backoffMaxMs (100 ms here): still one warning for the outage.
    const lists = sim.requestCount({ verb: 'list', resource: 'networkpolicies' });
    await eventually(
      async () => sim.requestCount({ verb: 'list', resource: 'networkpolicies' }),
      (n) => n >= lists + 3,
      'three more attempts',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('cannot watch a runner input; builds read it live');
  });

  test("managed namespaces: the watch's say-so is a yes without a read; its absence is read live", async () => {
    const { inputs, changed, inStep } = start();
    await inStep();
    const reads: string[] = [];
    const namespaces = createManagedNamespaces({
      read: async (name) => {
        reads.push(name);
        return api.core.readNamespace({ name });
      },
      watched: inputs,
    });
    expect(await namespaces.isManaged('team-a')).toBe(true);
    expect(reads).toEqual([]);
    // team-b labelled this instant: its event may not have reached the watch, so a "no" is asked of the server.
    await api.core.patchNamespace(
      { name: 'team-b', body: { metadata: { labels: { 'ambient-code.io/managed': 'true' } } } },
      mergePatch,
    );
    expect(await namespaces.isManaged('team-b')).toBe(true);
    // And a label removed is seen as soon as the watch has it (no answer kept from before).
    const gone = changed(namespaceKey('team-a'));
    await api.core.patchNamespace(
      { name: 'team-a', body: { metadata: { labels: { 'ambient-code.io/managed': null } } } },
      mergePatch,
    );
    await gone;
    expect(inputs.answer(namespaceKey('team-a'))).toBeNull();
    expect(await namespaces.isManaged('team-a')).toBe(false);
    await api.core.patchNamespace(
      { name: 'team-a', body: { metadata: { labels: { 'ambient-code.io/managed': 'true' } } } },
      mergePatch,
    );
  });
});
