// The worker contract end to end with every part its own process (kube-sim, Redis, watcher, 2 workers),
// as `pnpm start` runs them, driven through the real client-node client.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { SharedAgentKubeConfig } from '@ambient-operator/shared';
import {
  GROUP,
  clusterKindFromEnv,
  condition,
  eventually,
  type SessionObject,
} from '@ambient-operator/testing';
import { startLocalStack, type LocalStack } from '../scripts/local-stack.js';

const ns = 'demo';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const scripted = (env: Record<string, string>) => ({
  environmentVariables: { SIM_TARGET_CONTAINER: 'ambient-code-runner', ...env },
});

describe('sessions against the system as separate processes', () => {
  let dir: string;
  let stack: LocalStack;
  let kc: SharedAgentKubeConfig;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;
  let batch: BatchV1Api;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'processes-e2e-'));
    stack = await startLocalStack({
      localDir: dir,
      workers: 2,
      dashboard: false,
      output: null,
      cluster: clusterKindFromEnv(),
    });
    kc = new SharedAgentKubeConfig();
    kc.loadFromFile(stack.kubeconfigPath);
    custom = kc.makeApiClient(CustomObjectsApi);
    core = kc.makeApiClient(CoreV1Api);
    batch = kc.makeApiClient(BatchV1Api);
  });
  afterAll(async () => {
    await stack?.stop();
    kc?.destroyAgent();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const create = (name: string, spec: Record<string, unknown> = {}) =>
    custom.createNamespacedCustomObject({
      ...GROUP,
      namespace: ns,
      body: {
        apiVersion: 'vteam.ambient-code/v1alpha1',
        kind: 'AgenticSession',
        metadata: { name },
        spec: { initialPrompt: 'hi', ...spec },
      },
    }) as Promise<SessionObject>;
  const get = async (name: string) =>
    (await custom.getNamespacedCustomObject({ ...GROUP, namespace: ns, name })) as SessionObject;
  const until = (name: string, predicate: (s: SessionObject) => boolean, what: string) =>
    eventually(() => get(name), predicate, `${name}: ${what}`, 60_000);
  const finished = (s: SessionObject) => ['Completed', 'Failed', 'Stopped'].includes(s.status?.phase ?? '');

  test.each([
    ['exit-0', 'Completed', 'Completed', { SIM_RUN_SECONDS: '0.3' }],
    ['exit-1', 'Failed', 'RunnerExit', { SIM_RUN_SECONDS: '0.3', SIM_EXIT_CODE: '1' }],
    ['exit-2', 'Failed', 'PrerequisiteFailed', { SIM_RUN_SECONDS: '0.3', SIM_EXIT_CODE: '2' }],
    ['oom', 'Failed', 'OOMKilled', { SIM_RUN_SECONDS: '0.3', SIM_OOM: 'true' }],
    ['image-pull', 'Failed', 'ErrImagePull|ImagePullBackOff', { SIM_IMAGE_PULL: 'fail' }],
  ])('runner %s → %s (%s)', async (name, phase, reason, env) => {
    await create(name, scripted(env));
    const done = await until(name, finished, 'a terminal phase');
    expect(done.status?.phase).toBe(phase);
    expect(done.status?.completionTime).toBeDefined();
    expect(condition(done, 'Ready')?.reason).toMatch(new RegExp(`^(${reason})$`));
  });

  test('an idle session is stopped at its inactivity deadline', async () => {
    await create('idle', { inactivityTimeout: 1 });
    const stopped = await until('idle', (s) => s.status?.phase === 'Stopped', 'Stopped');
    expect(stopped.status?.stoppedReason).toBe('inactivity');
  });

  test('stop, then restart: the new runner resumes (IS_RESUME=true)', async () => {
    await create('again');
    await until('again', (s) => s.status?.phase === 'Running', 'Running');
    const annotate = (value: string) =>
      custom.patchNamespacedCustomObject(
        {
          ...GROUP,
          namespace: ns,
          name: 'again',
          body: { metadata: { annotations: { 'ambient-code.io/desired-phase': value } } },
        },
        mergePatch,
      );
    await annotate('Stopped');
    await until('again', (s) => s.status?.phase === 'Stopped', 'Stopped');
    await annotate('Running');
    await until('again', (s) => s.status?.phase === 'Running' && !s.status.completionTime, 'Running again');
    const job = await batch.readNamespacedJob({ namespace: ns, name: 'again-runner' });
    const env = job.spec?.template.spec?.containers.find((c) => c.name === 'ambient-code-runner')?.env ?? [];
    expect(env.find((e) => e.name === 'IS_RESUME')?.value).toBe('true');
  });

  // Before any session is deleted: a deleted session's phaseHistory goes with it, its counts stay.
  test('transition counters summed over both workers equal the transitions recorded on the sessions', async () => {
    const metricsUrls = ['worker-1', 'worker-2'].map((name) => stack.process(name)?.metricsUrl);
    expect(metricsUrls.every((u) => u !== undefined)).toBe(true);
    const counted = async () => {
      let sum = 0;
      for (const url of metricsUrls) {
        const text = await (await fetch(`${url}/metrics`)).text();
        for (const line of text.split('\n')) {
          if (line.startsWith('ambient_session_phase_transitions_total{'))
            sum += Number(line.split(' ').pop());
        }
      }
      return sum;
    };
    const recorded = async () => {
      const list = (await custom.listNamespacedCustomObject({ ...GROUP, namespace: ns })) as {
        items: { status?: { phaseHistory?: unknown[] } }[];
      };
      return list.items.reduce((n, s) => n + (s.status?.phaseHistory?.length ?? 0), 0);
    };
    const [c, r] = await eventually(
      async () => [await counted(), await recorded()],
      ([a, b]) => a === b && a > 0,
      'counters to equal the recorded transitions',
      30_000,
    );
    expect(c).toBe(r);
  });

  test('a deleted session leaves no child of any kind', async () => {
    const created = await create('gone');
    await until('gone', (s) => s.status?.phase === 'Running', 'Running');
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const children = async () => {
      const lists = await Promise.all([
        batch.listNamespacedJob({ namespace: ns }),
        core.listNamespacedService({ namespace: ns }),
        core.listNamespacedSecret({ namespace: ns }),
        core.listNamespacedServiceAccount({ namespace: ns }),
        rbac.listNamespacedRole({ namespace: ns }),
        rbac.listNamespacedRoleBinding({ namespace: ns }),
        core.listNamespacedPod({ namespace: ns, labelSelector: 'agentic-session=gone' }),
      ]);
      return lists
        .flatMap(
          (l) =>
            l.items as {
              metadata?: {
                name?: string;
                labels?: Record<string, string>;
                ownerReferences?: { uid: string }[];
              };
            }[],
        )
        .filter(
          (o) =>
            o.metadata?.labels?.['agentic-session'] === 'gone' ||
            o.metadata?.ownerReferences?.some((r) => r.uid === created.metadata.uid),
        )
        .map((o) => o.metadata?.name);
    };
    expect((await children()).length).toBeGreaterThanOrEqual(6);
    await custom.deleteNamespacedCustomObject({ ...GROUP, namespace: ns, name: 'gone' });
    await eventually(children, (left) => left.length === 0, 'no children of gone', 30_000);
  });
});
