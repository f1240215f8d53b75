import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dashboard } from '@ambient-operator/dashboard';
import { get, iso, startWorld, type World } from './harness.js';

const API = { group: 'scheduler.ambient-code.io', version: 'v1alpha1' };
let world: World;
let dashboard: Dashboard;

async function create(plural: string, kind: string, name: string, spec: object, status: object, labels = {}) {
  await world.custom.createNamespacedCustomObject({
    ...API,
    plural,
    namespace: 'demo',
    body: { apiVersion: `${API.group}/${API.version}`, kind, metadata: { name, labels }, spec },
  });
  await world.custom.patchNamespacedCustomObjectStatus(
    { ...API, plural, namespace: 'demo', name, body: { status } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

beforeAll(async () => {
  world = await startWorld(['demo']);
  await create(
    'workflows',
    'Workflow',
    'release',
    {
      steps: [
        { name: 'plan', task: { prompt: 'plan' } },
        { name: 'ship', task: { prompt: 'ship ${steps.0.output.plan}' } },
      ],
    },
    {
      phase: 'Running',
      currentStep: 1,
      steps: [
        {
          name: 'plan',
          phase: 'Succeeded',
          taskName: 'release-0',
          output: { plan: 'P<1>' },
          startTime: iso(9000),
          completionTime: iso(4000),
        },
        { name: 'ship', phase: 'Running', taskName: 'release-1', startTime: iso(3000) },
      ],
      message: 'running step 1',
    },
  );
  await create(
    'agenttasks',
    'AgentTask',
    'release-0',
    { prompt: 'plan' },
    {
      phase: 'Succeeded',
      jobName: 'release-0-task',
      output: { plan: 'P<1>' },
      startTime: iso(9000),
      completionTime: iso(4000),
    },
    { 'scheduler.ambient-code.io/workflow': 'release' },
  );
  dashboard = await world.startDashboard();
}, 60_000);
afterAll(async () => {
  await dashboard?.close();
  await world?.stop();
});

describe('AgentTask and Workflow pages', () => {
  it('/tasks lists tasks with phase, run time and a link to their workflow', async () => {
    const res = await get(`${dashboard.url}/tasks`);
    expect(res.status).toBe(200);
    expect(res.compact).toContain('<a href="/tasks/demo/release-0">release-0</a>');
    expect(res.compact).toContain('<a href="/workflows/demo/release">release</a>');
    expect(res.compact).toContain('Succeeded');
  });

  it('a task page shows its Job, prompt and output (escaped)', async () => {
    const res = await get(`${dashboard.url}/tasks/demo/release-0`);
    expect(res.status).toBe(200);
    expect(res.compact).toContain('<code>release-0-task</code>');
    expect(res.compact).toContain('P&lt;1&gt;');
    expect(res.text).not.toContain('P<1>');
  });

  it('/workflows and a workflow page show each step with its task, timing and output', async () => {
    expect((await get(`${dashboard.url}/workflows`)).compact).toContain(
      '<a href="/workflows/demo/release">release</a>',
    );
    const res = await get(`${dashboard.url}/workflows/demo/release`);
    expect(res.status).toBe(200);
    expect(res.compact).toContain('<a href="/tasks/demo/release-0">release-0</a>');
    expect(res.compact).toContain('<a href="/tasks/demo/release-1">release-1</a>');
    expect(res.compact).toContain('<tr aria-current="step">');
    expect(res.compact).toContain('running step 1');
  });

  it('unknown tasks and workflows are 404 pages', async () => {
    expect((await get(`${dashboard.url}/tasks/demo/nope`)).status).toBe(404);
    expect((await get(`${dashboard.url}/workflows/demo/nope`)).status).toBe(404);
  });

  it('/machine draws the AgentTask and Workflow machines', async () => {
    const res = await get(`${dashboard.url}/machine`);
    expect(res.compact).toContain('<h2 id="agent-task">AgentTask</h2>');
    expect(res.compact).toContain('<h2 id="workflow">Workflow</h2>');
    expect(res.text).toContain('>Timeout</text>');
  });
});
