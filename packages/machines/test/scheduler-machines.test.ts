import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  MachineEdge,
  StepTaskObservation,
  TaskObservation,
  WorkflowObservation,
} from '@ambient-operator/machines';
import {
  applyStatusPatch,
  decideTask,
  decideWorkflow,
  schedulerMachineEdges as machineEdges,
  TASK_TRANSITIONS,
  taskMachine,
  taskMermaid,
  taskSvg,
  taskSnapshotFromStatus,
  WORKFLOW_TRANSITIONS,
  workflowMachine,
  workflowMermaid,
  workflowSvg,
  workflowSnapshotFromStatus,
} from '@ambient-operator/machines';
import type { AgentTaskStatus, WorkflowStatus, WorkflowStep } from '@ambient-operator/shared';
import { AGENT_TASK_PHASES, WORKFLOW_PHASES } from '@ambient-operator/shared';
import { transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { describe, expect, it } from 'vitest';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const docs = (name: string) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));

// --- AgentTask ---

const taskObs = (extra: Partial<TaskObservation> = {}): TaskObservation => ({
  nowMs: T0,
  jobName: 't-task',
  job: undefined,
  ...extra,
});
const job = (outcome: 'running' | 'succeeded' | 'failed' | 'deadlineExceeded', message?: string) => ({
  name: 't-task',
  outcome,
  ...(outcome === 'succeeded' || outcome === 'failed'
    ? { container: { exitCode: outcome === 'succeeded' ? 0 : 3, terminationMessage: message } }
    : {}),
});
const running: AgentTaskStatus = { phase: 'Running', jobName: 't-task', startTime: '2026-01-01T00:00:00Z' };

/** For each guard (or the fallback of a state): a stored status and an observation that select it. */
const taskWitnesses: Record<string, { status: AgentTaskStatus | undefined; observation: TaskObservation }> = {
  'New:0': { status: undefined, observation: taskObs() },
  'Pending:0': {
    status: { phase: 'Pending' },
    observation: taskObs({ invalid: { reason: 'InvalidName', message: 'm' } }),
  },
  'Pending:1': {
    status: { phase: 'Pending' },
    observation: taskObs({ refusal: { reason: 'NamespaceNotAllowed', message: 'm' } }),
  },
  'Pending:2': { status: { phase: 'Pending' }, observation: taskObs({ job: job('running') }) },
  'Pending:3': { status: { phase: 'Pending' }, observation: taskObs() },
  'Running:0': { status: running, observation: taskObs({ job: job('deadlineExceeded') }) },
  'Running:1': { status: running, observation: taskObs({ job: job('succeeded', '{"k":"v"}') }) },
  'Running:2': { status: running, observation: taskObs({ job: job('failed') }) },
  'Running:3': { status: running, observation: taskObs() },
};

// --- Workflow ---

const steps: WorkflowStep[] = [
  { name: 'plan', task: { prompt: 'plan', timeoutSeconds: 60 } },
  { name: 'do', task: { prompt: 'do ${steps.0.output.plan}', timeoutSeconds: 60 } },
  { name: 'check', task: { env: [{ name: 'R', value: '${steps.1.output.result}' }], timeoutSeconds: 60 } },
];
const taskNames = ['w-0', 'w-1', 'w-2'];
const wfObs = (
  tasks: (StepTaskObservation | undefined)[] = [],
  extra: Partial<WorkflowObservation> = {},
) => ({
  nowMs: T0,
  steps,
  taskNames,
  tasks,
  ...extra,
});
const stepTask = (i: number, phase: StepTaskObservation['phase'], output?: Record<string, string>) => ({
  name: taskNames[i] ?? '',
  ownedByWorkflow: true,
  ...(phase ? { phase } : {}),
  ...(output ? { output } : {}),
});
const atStep = (i: number, outputs: Record<string, string>[] = []): WorkflowStatus => ({
  phase: 'Running',
  currentStep: i,
  steps: steps.map((s, j) => ({
    name: s.name,
    ...(outputs[j] ? { output: outputs[j], phase: 'Succeeded' } : {}),
  })),
});

const workflowWitnesses: Record<
  string,
  { status: WorkflowStatus | undefined; observation: WorkflowObservation }
> = {
  'New:0': { status: undefined, observation: wfObs() },
  'Pending:0': {
    status: { phase: 'Pending' },
    observation: wfObs([], { steps: undefined, invalid: { reason: 'InvalidSpec', message: 'm' } }),
  },
  'Pending:1': { status: { phase: 'Pending' }, observation: wfObs() },
  'Running:0': {
    status: atStep(0),
    observation: wfObs([{ ...stepTask(0, 'Pending'), ownedByWorkflow: false }]),
  },
  'Running:1': {
    status: atStep(2, [{ plan: 'P' }, { result: 'R' }]),
    observation: wfObs([stepTask(0, 'Succeeded'), stepTask(1, 'Succeeded'), stepTask(2, 'Succeeded')]),
  },
  'Running:2': { status: atStep(0), observation: wfObs([stepTask(0, 'Succeeded', { plan: 'P' })]) },
  'Running:3': { status: atStep(0), observation: wfObs([stepTask(0, 'Timeout')]) },
  'Running:4': { status: atStep(1, [{ other: 'x' }]), observation: wfObs([stepTask(0, 'Succeeded')]) },
  'Running:5': { status: atStep(1, [{ plan: 'P' }]), observation: wfObs([stepTask(0, 'Succeeded')]) },
  'Running:6': { status: atStep(0), observation: wfObs([stepTask(0, 'Running')]) },
};

function checkEveryEdge(
  name: string,
  edges: MachineEdge[],
  oneStep: (id: string) => string | undefined,
  witnesses: Record<string, unknown>,
) {
  describe(`${name}: every transition of the machine graph has a witness that takes it`, () => {
    it.each(
      edges.map(
        (e) => [`${e.id} ${e.source} → ${e.target} [${e.guard ?? e.description ?? 'else'}]`, e] as const,
      ),
    )('%s', (_label, edge) => {
      expect(witnesses[edge.id], `witness for ${edge.id}`).toBeDefined();
      expect(oneStep(edge.id)).toBe(edge.target);
    });
    it('has no witness for a transition that does not exist', () => {
      expect(Object.keys(witnesses).sort()).toEqual(edges.map((e) => e.id).sort());
    });
  });
}

/** The alternative a witness selects is exactly the edge (first guard that holds), not a later one. */
function takenTaskEdge(id: string): string | undefined {
  const w = taskWitnesses[id];
  if (w === undefined) return undefined;
  const [next] = transition(taskMachine, taskSnapshotFromStatus(w.status), {
    type: 'OBSERVE',
    observation: w.observation,
  });
  const [source] = id.split(':');
  const alternatives = machineEdges(taskMachine).filter((e) => e.source === source);
  const guards = taskMachine.implementations.guards as Record<string, (a: unknown) => boolean>;
  const args = {
    context: taskSnapshotFromStatus(w.status).context,
    event: { type: 'OBSERVE', observation: w.observation },
  };
  const taken = alternatives.find((e) => e.guard === undefined || guards[e.guard]?.(args) === true);
  expect(taken?.id).toBe(id);
  return String(next.value);
}

function takenWorkflowEdge(id: string): string | undefined {
  const w = workflowWitnesses[id];
  if (w === undefined) return undefined;
  const event = { type: 'OBSERVE' as const, observation: w.observation };
  const [next] = transition(workflowMachine, workflowSnapshotFromStatus(w.status), event);
  const [source] = id.split(':');
  const alternatives = machineEdges(workflowMachine).filter((e) => e.source === source);
  const guards = workflowMachine.implementations.guards as Record<string, (a: unknown) => boolean>;
  const args = { context: workflowSnapshotFromStatus(w.status).context, event };
  const taken = alternatives.find((e) => e.guard === undefined || guards[e.guard]?.(args) === true);
  expect(taken?.id).toBe(id);
  return String(next.value);
}

checkEveryEdge('AgentTask', machineEdges(taskMachine), takenTaskEdge, taskWitnesses);
checkEveryEdge('Workflow', machineEdges(workflowMachine), takenWorkflowEdge, workflowWitnesses);

describe('shortest paths to every phase (xstate/graph), replayed through decide', () => {
  it('AgentTask: every phase is reached, each path through decideTask keeps the status valid', () => {
    const paths = getShortestPaths(taskMachine, {
      input: {},
      events: () =>
        Object.values(taskWitnesses).map((w) => ({ type: 'OBSERVE' as const, observation: w.observation })),
      serializeState: (s) => String(s.value),
    });
    expect(new Set(paths.map((p) => String(p.state.value)))).toEqual(new Set(['New', ...AGENT_TASK_PHASES]));
    for (const path of paths) {
      let status: AgentTaskStatus | undefined;
      for (const step of path.steps.filter((s) => s.event.type === 'OBSERVE')) {
        const decision = decideTask({
          status,
          observation: (step.event as { observation: TaskObservation }).observation,
        });
        status = applyStatusPatch(status, decision.statusPatch);
        expect(AGENT_TASK_PHASES).toContain(status.phase);
        expect((status.conditions ?? []).length).toBeLessThanOrEqual(2);
      }
    }
  });

  it('Workflow: every phase is reached, each path through decideWorkflow keeps the status valid', () => {
    const paths = getShortestPaths(workflowMachine, {
      input: {},
      events: () =>
        Object.values(workflowWitnesses).map((w) => ({
          type: 'OBSERVE' as const,
          observation: w.observation,
        })),
      serializeState: (s) => `${String(s.value)}@${s.context.currentStep ?? ''}`,
    });
    expect(new Set(paths.map((p) => String(p.state.value)))).toEqual(new Set(['New', ...WORKFLOW_PHASES]));
    for (const path of paths) {
      let status: WorkflowStatus | undefined;
      for (const step of path.steps.filter((s) => s.event.type === 'OBSERVE')) {
        const observation = (step.event as { observation: WorkflowObservation }).observation;
        const decision = decideWorkflow({ status, observation });
        status = applyStatusPatch(status, decision.statusPatch);
        expect(WORKFLOW_PHASES).toContain(status.phase);
        expect(status.currentStep ?? 0).toBeLessThan(steps.length);
        expect(decision.commands.length).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('AgentTask decisions', () => {
  it('a new task creates its Job and is Running, reporting both transitions', () => {
    const d = decideTask({ status: undefined, observation: taskObs({ generation: 1 }) });
    expect(d.nextPhase).toBe('Running');
    expect(d.commands).toEqual([{ type: 'createTaskJob', jobName: 't-task' }]);
    expect(d.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['None->Pending', 'Pending->Running']);
    expect(d.statusPatch).toMatchObject({
      phase: 'Running',
      jobName: 't-task',
      startTime: '2026-01-01T00:00:00Z',
      observedGeneration: 1,
    });
  });

  it('a task outside TASK_NAMESPACE gets a condition and no Job', () => {
    const d = decideTask({
      status: undefined,
      observation: taskObs({ refusal: { reason: 'NamespaceNotAllowed', message: 'only ns' } }),
    });
    expect(d.nextPhase).toBe('Pending');
    expect(d.commands).toEqual([]);
    expect(d.statusPatch.conditions).toEqual([
      expect.objectContaining({
        type: 'Accepted',
        status: 'False',
        reason: 'NamespaceNotAllowed',
        message: 'only ns',
      }),
    ]);
  });

  it('exit 0 → Succeeded with the output; non-zero → Failed; deadline → Timeout; each with completionTime', () => {
    const ok = decideTask({
      status: running,
      observation: taskObs({ job: job('succeeded', '{"k":"v"}'), nowMs: T0 + 5000 }),
    });
    expect(ok.statusPatch).toMatchObject({
      phase: 'Succeeded',
      output: { k: 'v' },
      completionTime: '2026-01-01T00:00:05Z',
    });
    const failed = decideTask({
      status: running,
      observation: taskObs({ job: job('failed', '{"why":"tests"}') }),
    });
    expect(failed.statusPatch).toMatchObject({
      phase: 'Failed',
      output: { why: 'tests' },
      message: 'the task container exited 3',
    });
    const timeout = decideTask({
      status: running,
      observation: taskObs({
        job: { ...job('deadlineExceeded'), message: 'Job was active longer than specified deadline' },
      }),
    });
    expect(timeout.statusPatch).toMatchObject({
      phase: 'Timeout',
      message: 'Job was active longer than specified deadline',
    });
    expect(timeout.transitions).toEqual([{ from: 'Running', to: 'Timeout', reason: 'DeadlineExceeded' }]);
  });

  it('bad output is a condition and does not change the phase the exit code gives', () => {
    const d = decideTask({ status: running, observation: taskObs({ job: job('succeeded', 'not json') }) });
    expect(d.nextPhase).toBe('Succeeded');
    expect(d.statusPatch.output).toBeUndefined();
    expect(d.statusPatch.conditions).toContainEqual(
      expect.objectContaining({ type: 'Output', status: 'False', reason: 'OutputNotJSON' }),
    );
  });

  it('a terminal task does nothing more', () => {
    const done: AgentTaskStatus = { ...running, phase: 'Succeeded', completionTime: '2026-01-01T00:00:05Z' };
    expect(decideTask({ status: done, observation: taskObs({ job: job('succeeded', '{}') }) })).toEqual({
      nextPhase: 'Succeeded',
      statusPatch: {},
      commands: [],
      transitions: [],
    });
  });
});

describe('Workflow decisions', () => {
  /** Runs decide as a worker would, with the tasks created so far, and returns the status. */
  function reconcile(status: WorkflowStatus | undefined, tasks: (StepTaskObservation | undefined)[]) {
    const decision = decideWorkflow({ status, observation: wfObs(tasks) });
    return { decision, status: applyStatusPatch(status, decision.statusPatch) };
  }

  it('three steps: step 0 output reaches step 1 prompt, step 1 output reaches step 2 env', () => {
    let r = reconcile(undefined, []);
    expect(r.decision.transitions.map((t) => `${t.from}->${t.to}`)).toEqual([
      'None->Pending',
      'Pending->Running',
    ]);
    expect(r.decision.commands).toEqual([
      { type: 'createStepTask', index: 0, taskName: 'w-0', spec: steps[0]!.task },
    ]);
    r = reconcile(r.status, [stepTask(0, 'Running')]);
    expect(r.decision.commands).toEqual([]);
    r = reconcile(r.status, [stepTask(0, 'Succeeded', { plan: 'PLAN' })]);
    expect(r.decision.commands).toEqual([
      { type: 'createStepTask', index: 1, taskName: 'w-1', spec: { prompt: 'do PLAN', timeoutSeconds: 60 } },
    ]);
    expect(r.status.currentStep).toBe(1);
    r = reconcile(r.status, [
      stepTask(0, 'Succeeded', { plan: 'PLAN' }),
      stepTask(1, 'Succeeded', { result: 'RES' }),
    ]);
    expect(r.decision.commands).toEqual([
      {
        type: 'createStepTask',
        index: 2,
        taskName: 'w-2',
        spec: { env: [{ name: 'R', value: 'RES' }], timeoutSeconds: 60 },
      },
    ]);
    r = reconcile(r.status, [
      stepTask(0, 'Succeeded', { plan: 'PLAN' }),
      stepTask(1, 'Succeeded', { result: 'RES' }),
      stepTask(2, 'Succeeded'),
    ]);
    expect(r.decision.transitions).toEqual([
      { from: 'Running', to: 'Succeeded', reason: 'AllStepsSucceeded' },
    ]);
    expect(r.status.steps?.map((s) => s.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    expect(r.status.steps?.[0]?.output).toEqual({ plan: 'PLAN' });
  });

  it('a failed step fails the workflow and asks for no later task', () => {
    const r = reconcile(atStep(1, [{ plan: 'P' }]), [
      stepTask(0, 'Succeeded'),
      { ...stepTask(1, 'Failed'), message: 'exit 3' },
    ]);
    expect(r.decision.nextPhase).toBe('Failed');
    expect(r.decision.commands).toEqual([]);
    expect(r.status.message).toBe('step 1 (do) ended Failed: exit 3');
  });

  it('a redelivered key whose task exists asks for no second task', () => {
    const first = reconcile(undefined, []);
    const again = decideWorkflow({ status: first.status, observation: wfObs([stepTask(0, 'Pending')]) });
    expect(again.commands).toEqual([]);
  });

  it('a reference to a missing key fails the workflow naming the reference', () => {
    const r = reconcile(atStep(1, [{ other: 'x' }]), [stepTask(0, 'Succeeded')]);
    expect(r.decision.nextPhase).toBe('Failed');
    expect(r.status.message).toBe('${steps.0.output.plan}: step 0 has no output "plan"');
    expect(r.decision.commands).toEqual([]);
  });
});

describe('derived views', () => {
  it('transition lists are the phase-changing edges, starting with None → Pending', () => {
    expect(TASK_TRANSITIONS[0]).toEqual({ from: 'None', to: 'Pending' });
    expect(WORKFLOW_TRANSITIONS[0]).toEqual({ from: 'None', to: 'Pending' });
    expect(TASK_TRANSITIONS.map((t) => `${t.from}->${t.to}`)).toContain('Running->Timeout');
  });

  it('docs/agent-task-machine.* and docs/workflow-machine.* are up to date (run `pnpm machines:diagram`)', () => {
    expect(readFileSync(docs('agent-task-machine.mmd'), 'utf8')).toBe(taskMermaid());
    expect(readFileSync(docs('agent-task-machine.svg'), 'utf8')).toBe(taskSvg());
    expect(readFileSync(docs('workflow-machine.mmd'), 'utf8')).toBe(workflowMermaid());
    expect(readFileSync(docs('workflow-machine.svg'), 'utf8')).toBe(workflowSvg());
  });
});
