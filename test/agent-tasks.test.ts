// AgentTask and Workflow end to end, every part its own process (kube-sim, Redis, watcher, 2 workers), as
// `pnpm start` runs them, driven through client-node.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BatchV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import {
  SharedAgentKubeConfig,
  type AgentTaskInput,
  type AgentTaskStatus,
  type WorkflowStatus,
} from '@ambient-operator/shared';
import { eventually } from '@ambient-operator/testing';
import { startLocalStack, type LocalStack } from '../scripts/local-stack.js';

const ns = 'demo';
const API = { group: 'scheduler.ambient-code.io', version: 'v1alpha1' };
const TASKS = { ...API, plural: 'agenttasks' };
const WORKFLOWS = { ...API, plural: 'workflows' };
type Obj<S> = { metadata: { name: string; uid: string }; spec: Record<string, unknown>; status?: S };
type Spec = NonNullable<AgentTaskInput['spec']>;
const sim = (env: Record<string, string>) => Object.entries(env).map(([name, value]) => ({ name, value }));

describe('AgentTask and Workflow against the system as separate processes', () => {
  let dir: string;
  let stack: LocalStack;
  let kc: SharedAgentKubeConfig;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;
  let batch: BatchV1Api;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agent-tasks-'));
    stack = await startLocalStack({
      localDir: dir,
      workers: 2,
      dashboard: false,
      output: null,
      // vitest sets MODE=test in its env, which the children would read as the api-server source's MODE.
      env: { TASK_NAMESPACE: ns, MODE: 'kube' },
    });
    kc = new SharedAgentKubeConfig();
    kc.loadFromFile(stack.kubeconfigPath);
    custom = kc.makeApiClient(CustomObjectsApi);
    core = kc.makeApiClient(CoreV1Api);
    batch = kc.makeApiClient(BatchV1Api);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    kc?.destroyAgent();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const createTask = (name: string, spec: Spec, namespace = ns) =>
    custom.createNamespacedCustomObject({
      ...TASKS,
      namespace,
      body: { apiVersion: 'scheduler.ambient-code.io/v1alpha1', kind: 'AgentTask', metadata: { name }, spec },
    });
  const getTask = async (name: string, namespace = ns) =>
    (await custom.getNamespacedCustomObject({ ...TASKS, namespace, name })) as Obj<AgentTaskStatus>;
  const taskUntil = (name: string, ok: (t: Obj<AgentTaskStatus>) => boolean, what: string, namespace = ns) =>
    eventually(() => getTask(name, namespace), ok, `${name}: ${what}`, 60_000);
  const createWorkflow = (name: string, steps: { name: string; task: Spec }[]) =>
    custom.createNamespacedCustomObject({
      ...WORKFLOWS,
      namespace: ns,
      body: {
        apiVersion: 'scheduler.ambient-code.io/v1alpha1',
        kind: 'Workflow',
        metadata: { name },
        spec: { steps },
      },
    });
  const getWorkflow = async (name: string) =>
    (await custom.getNamespacedCustomObject({ ...WORKFLOWS, namespace: ns, name })) as Obj<WorkflowStatus>;
  const workflowUntil = (name: string, ok: (w: Obj<WorkflowStatus>) => boolean, what: string) =>
    eventually(() => getWorkflow(name), ok, `${name}: ${what}`, 90_000);
  const tasksOf = async (workflow: string) =>
    (
      (await custom.listNamespacedCustomObject({
        ...TASKS,
        namespace: ns,
        labelSelector: `scheduler.ambient-code.io/workflow=${workflow}`,
      })) as { items: Obj<AgentTaskStatus>[] }
    ).items;
  const ended = (t: Obj<AgentTaskStatus>) =>
    ['Succeeded', 'Failed', 'Timeout'].includes(t.status?.phase ?? '');

  test('exit 0 → Succeeded with the termination message as output; the Job is as specified', async () => {
    await createTask('ok', {
      prompt: 'Answer',
      input: { q: 'life' },
      timeoutSeconds: 30,
      env: sim({ SIM_RUN_SECONDS: '0.2', SIM_TERMINATION_MESSAGE: '{"answer":"42"}' }),
    });
    const done = await taskUntil('ok', ended, 'ended');
    expect(done.status).toMatchObject({ phase: 'Succeeded', jobName: 'ok-task', output: { answer: '42' } });
    expect(done.status?.startTime).toBeDefined();
    expect(done.status?.completionTime).toBeDefined();
    const job = await batch.readNamespacedJob({ name: 'ok-task', namespace: ns });
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 30 });
    expect(job.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'AgentTask', name: 'ok', uid: done.metadata.uid, controller: true }),
    ]);
    const pod = job.spec?.template.spec;
    expect(pod?.restartPolicy).toBe('Never');
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const container = pod?.containers[0];
    expect(container?.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container?.env).toEqual(
      expect.arrayContaining([
        { name: 'AGENT_PROMPT', value: 'Answer' },
        { name: 'AGENT_INPUT_JSON', value: '{"q":"life"}' },
      ]),
    );
  });

  test('a non-zero exit → Failed, with the output it left', async () => {
    await createTask('fails', {
      timeoutSeconds: 30,
      env: sim({ SIM_RUN_SECONDS: '0.2', SIM_EXIT_CODE: '3', SIM_TERMINATION_MESSAGE: '{"why":"tests"}' }),
    });
    const done = await taskUntil('fails', ended, 'ended');
    expect(done.status).toMatchObject({
      phase: 'Failed',
      output: { why: 'tests' },
      message: 'the task container exited 3 (Error)',
    });
  });

  test('past timeoutSeconds → Timeout (not Failed), with the reason', async () => {
    await createTask('slow', { timeoutSeconds: 1 });
    const done = await taskUntil('slow', ended, 'ended');
    expect(done.status).toMatchObject({
      phase: 'Timeout',
      message: 'Job was active longer than specified deadline',
    });
  });

  test('bad output is reported as a condition and the exit code still decides the phase', async () => {
    await createTask('garbled', {
      timeoutSeconds: 30,
      env: sim({ SIM_RUN_SECONDS: '0.1', SIM_TERMINATION_MESSAGE: 'not json' }),
    });
    const done = await taskUntil('garbled', ended, 'ended');
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.output).toBeUndefined();
    expect(done.status?.conditions).toContainEqual(
      expect.objectContaining({ type: 'Output', status: 'False', reason: 'OutputNotJSON' }),
    );
  });

  test('outside TASK_NAMESPACE a task gets a condition and no Job', async () => {
    await core.createNamespace({ body: { metadata: { name: 'elsewhere' } } });
    await createTask('stray', { timeoutSeconds: 30 }, 'elsewhere');
    const seen = await taskUntil(
      'stray',
      (t) => (t.status?.conditions?.length ?? 0) > 0,
      'a condition',
      'elsewhere',
    );
    expect(seen.status?.conditions).toContainEqual(
      expect.objectContaining({ type: 'Accepted', status: 'False', reason: 'NamespaceNotAllowed' }),
    );
    const jobs = await batch.listNamespacedJob({ namespace: 'elsewhere' });
    expect(jobs.items).toEqual([]);
  });

  test('three steps: step 0 output reaches step 1 prompt, step 1 output reaches step 2 env', async () => {
    await createWorkflow('chain', [
      {
        name: 'plan',
        task: {
          timeoutSeconds: 30,
          env: sim({ SIM_RUN_SECONDS: '0.1', SIM_TERMINATION_MESSAGE: '{"plan":"PLAN"}' }),
        },
      },
      {
        name: 'do',
        task: {
          prompt: 'Do ${steps.0.output.plan}',
          timeoutSeconds: 30,
          env: sim({
            SIM_RUN_SECONDS: '0.1',
            SIM_TERMINATION_MESSAGE: '{"result":"did-${steps.0.output.plan}"}',
          }),
        },
      },
      {
        name: 'check',
        task: {
          timeoutSeconds: 30,
          env: [{ name: 'RESULT', value: '${steps.1.output.result}' }, ...sim({ SIM_RUN_SECONDS: '0.1' })],
        },
      },
    ]);
    const done = await workflowUntil(
      'chain',
      (w) => ['Succeeded', 'Failed'].includes(w.status?.phase ?? ''),
      'ended',
    );
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.steps?.map((s) => [s.name, s.phase, s.taskName])).toEqual([
      ['plan', 'Succeeded', 'chain-0'],
      ['do', 'Succeeded', 'chain-1'],
      ['check', 'Succeeded', 'chain-2'],
    ]);
    expect(done.status?.steps?.[1]?.output).toEqual({ result: 'did-PLAN' });
    expect((await getTask('chain-1')).spec.prompt).toBe('Do PLAN');
    const step2 = await batch.readNamespacedJob({ name: 'chain-2-task', namespace: ns });
    expect(step2.spec?.template.spec?.containers[0]?.env).toContainEqual({
      name: 'RESULT',
      value: 'did-PLAN',
    });
    for (const task of await tasksOf('chain'))
      expect(task.metadata).toMatchObject({
        ownerReferences: [expect.objectContaining({ kind: 'Workflow', name: 'chain' })],
      });
  });

  test('a failing step fails the workflow and no later task exists', async () => {
    await createWorkflow('stops', [
      {
        name: 'ok',
        task: { timeoutSeconds: 30, env: sim({ SIM_RUN_SECONDS: '0.1', SIM_TERMINATION_MESSAGE: '{}' }) },
      },
      {
        name: 'boom',
        task: { timeoutSeconds: 30, env: sim({ SIM_RUN_SECONDS: '0.1', SIM_EXIT_CODE: '1' }) },
      },
      { name: 'never', task: { timeoutSeconds: 30 } },
    ]);
    const done = await workflowUntil(
      'stops',
      (w) => ['Succeeded', 'Failed'].includes(w.status?.phase ?? ''),
      'ended',
    );
    expect(done.status).toMatchObject({ phase: 'Failed', currentStep: 1 });
    expect(done.status?.message).toMatch(/^step 1 \(boom\) ended Failed/);
    expect((await tasksOf('stops')).map((t) => t.metadata.name).sort()).toEqual(['stops-0', 'stops-1']);
  });

  test('a malformed reference is rejected at admission; a reference to a later step fails the workflow naming it', async () => {
    const rejected = await createWorkflow('bad-syntax', [
      { name: 'a', task: { prompt: 'use ${steps.x.output.y}' } },
    ]).then(
      () => 'created',
      (err: { code?: number; body?: string }) => err.code,
    );
    expect(rejected).toBe(422);
    await createWorkflow('bad-order', [
      { name: 'a', task: { prompt: 'needs ${steps.1.output.y}', timeoutSeconds: 30 } },
      { name: 'b', task: { timeoutSeconds: 30 } },
    ]);
    const failed = await workflowUntil('bad-order', (w) => w.status?.phase === 'Failed', 'Failed');
    expect(failed.status?.message).toContain('${steps.1.output.y}');
    expect(await tasksOf('bad-order')).toEqual([]);
  });

  test('a worker killed mid-workflow creates no duplicate task; the workflow finishes', async () => {
    await createWorkflow('survives', [
      {
        name: 'a',
        task: {
          timeoutSeconds: 30,
          env: sim({ SIM_RUN_SECONDS: '1.5', SIM_TERMINATION_MESSAGE: '{"k":"v"}' }),
        },
      },
      {
        name: 'b',
        task: { prompt: '${steps.0.output.k}', timeoutSeconds: 30, env: sim({ SIM_RUN_SECONDS: '1' }) },
      },
    ]);
    await workflowUntil('survives', (w) => (w.status?.steps?.[0]?.phase ?? '') !== '', 'step 0 started');
    await stack.kill('worker-1', 'SIGKILL');
    const done = await workflowUntil('survives', (w) => w.status?.phase === 'Succeeded', 'Succeeded');
    expect(done.status?.steps?.map((s) => s.taskName)).toEqual(['survives-0', 'survives-1']);
    expect((await tasksOf('survives')).map((t) => t.metadata.name).sort()).toEqual([
      'survives-0',
      'survives-1',
    ]);
    expect((await getTask('survives-1')).spec.prompt).toBe('v');
    await stack.restart('worker-1');
  });

  test('deleting a workflow leaves no task, Job or pod', async () => {
    await createWorkflow('gone', [{ name: 'a', task: { timeoutSeconds: 60 } }]);
    await eventually(
      () => core.listNamespacedPod({ namespace: ns, labelSelector: 'job-name=gone-0-task' }),
      (l) => l.items.length > 0,
      'gone-0 pod',
      60_000,
    );
    await custom.deleteNamespacedCustomObject({ ...WORKFLOWS, namespace: ns, name: 'gone' });
    await eventually(
      async () => ({
        tasks: await tasksOf('gone'),
        jobs: (
          await batch.listNamespacedJob({
            namespace: ns,
            labelSelector: 'scheduler.ambient-code.io/agent-task=gone-0',
          })
        ).items,
        pods: (await core.listNamespacedPod({ namespace: ns, labelSelector: 'job-name=gone-0-task' })).items,
      }),
      (left) => left.tasks.length + left.jobs.length + left.pods.length === 0,
      'no task, Job or pod of gone',
      60_000,
    );
  });
});
