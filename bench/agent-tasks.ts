// AgentTask and Workflow benchmarks: task create → its Job exists, a workflow's step-to-step latency (step N's
// task Succeeded → step N+1's Job exists), and a burst of two-step workflows created at once until all succeed.
// In-process cluster (kube-sim, watcher and two workers sharing one Redis queue), as the worker suite.
import { requireSim, startTestCluster, type TestCluster } from '@ambient-operator/testing';
import { pollUntil, type BenchOptions, type BenchResults } from './measure.js';

const API = { group: 'scheduler.ambient-code.io', version: 'v1alpha1', namespace: 'demo' };
const TASKS = { ...API, plural: 'agenttasks' };
const WORKFLOWS = { ...API, plural: 'workflows' };
/** A step whose container exits 0 at once with an output. */
const quickStep = (name: string, prompt = 'go') => ({
  name,
  task: {
    prompt,
    timeoutSeconds: 60,
    env: [
      { name: 'SIM_RUN_SECONDS', value: '0' },
      { name: 'SIM_TERMINATION_MESSAGE', value: '{"k":"v"}' },
    ],
  },
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const jobs = (cluster: TestCluster) => requireSim(cluster).objectCount('batch', 'jobs');

/** One task at a time on an idle cluster: create → its Job is in kube-sim's store (read in-process). */
async function taskCreateToJob(cluster: TestCluster, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const before = jobs(cluster);
    const started = performance.now();
    await cluster.custom.createNamespacedCustomObject({
      ...TASKS,
      body: {
        apiVersion: 'scheduler.ambient-code.io/v1alpha1',
        kind: 'AgentTask',
        metadata: { name: `lat-${i}` },
        spec: { prompt: 'p' },
      },
    });
    await pollUntil(() => jobs(cluster) > before, `lat-${i}'s Job did not appear`, 2);
    out.push(performance.now() - started);
  }
  return out.sort((a, b) => a - b);
}

async function taskPhase(cluster: TestCluster, name: string): Promise<string | undefined> {
  const task = (await cluster.custom.getNamespacedCustomObject({ ...TASKS, name })) as {
    status?: { phase?: string };
  };
  return task.status?.phase;
}

/** Two-step workflows one at a time: step 0's task seen Succeeded → step 1's Job exists. */
async function stepToStep(cluster: TestCluster, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const name = `steps-${i}`;
    await cluster.custom.createNamespacedCustomObject({
      ...WORKFLOWS,
      body: {
        apiVersion: 'scheduler.ambient-code.io/v1alpha1',
        kind: 'Workflow',
        metadata: { name },
        spec: { steps: [quickStep('a'), quickStep('b', 'use ${steps.0.output.k}')] },
      },
    });
    await pollUntil(
      async () => (await taskPhase(cluster, `${name}-0`).catch(() => undefined)) === 'Succeeded',
      `${name}-0 did not succeed`,
      5,
    );
    const succeededAt = performance.now();
    const before = jobs(cluster);
    await pollUntil(() => jobs(cluster) > before, `${name}-1's Job did not appear`, 2);
    out.push(performance.now() - succeededAt);
  }
  return out.sort((a, b) => a - b);
}

/** `n` two-step workflows created 10 at a time; ms until every one is Succeeded. */
async function burst(cluster: TestCluster, n: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, (_, j) =>
        cluster.custom.createNamespacedCustomObject({
          ...WORKFLOWS,
          body: {
            apiVersion: 'scheduler.ambient-code.io/v1alpha1',
            kind: 'Workflow',
            metadata: { name: `burst-${i + j}` },
            spec: { steps: [quickStep('a'), quickStep('b', '${steps.0.output.k}')] },
          },
        }),
      ),
    );
  }
  await pollUntil(
    async () => {
      const list = (await cluster.custom.listNamespacedCustomObject(WORKFLOWS)) as {
        items: { metadata: { name: string }; status?: { phase?: string } }[];
      };
      const done = list.items.filter(
        (w) => w.metadata.name.startsWith('burst-') && w.status?.phase === 'Succeeded',
      );
      const failed = list.items.find(
        (w) => w.metadata.name.startsWith('burst-') && w.status?.phase === 'Failed',
      );
      if (failed) throw new Error(`bench: ${failed.metadata.name} failed`);
      return done.length === n;
    },
    `${n} workflows did not all succeed`,
    200,
    300_000,
  );
  return performance.now() - started;
}

export async function benchAgentTasks(opts: BenchOptions): Promise<BenchResults> {
  const cluster = await startTestCluster({ workers: 2, kind: 'sim' });
  try {
    const latencies = await taskCreateToJob(cluster, opts.quick ? 5 : 20);
    const steps = await stepToStep(cluster, opts.quick ? 3 : 10);
    const workflows = opts.quick ? 10 : 100;
    const burstMs = await burst(cluster, workflows);
    return {
      task_create_to_job_p50_ms: {
        value: Math.round(percentile(latencies, 50)),
        unit: 'ms',
        note: `${latencies.length} tasks, one at a time`,
      },
      task_create_to_job_p95_ms: { value: Math.round(percentile(latencies, 95)), unit: 'ms' },
      step_to_step_p50_ms: {
        value: Math.round(percentile(steps, 50)),
        unit: 'ms',
        note: `step 0 task Succeeded → step 1 Job exists, ${steps.length} workflows`,
      },
      step_to_step_p95_ms: { value: Math.round(percentile(steps, 95)), unit: 'ms' },
      [`burst_${workflows}_workflows_s`]: {
        value: Math.round(burstMs / 100) / 10,
        unit: 's',
        note: `${workflows} two-step workflows created 10 at a time → all Succeeded (2 workers)`,
      },
    };
  } finally {
    await cluster.stop();
  }
}
