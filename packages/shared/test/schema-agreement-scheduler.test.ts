/**
 * The scheduler kinds' zod schemas ARE their CRDs: each document below is validated by the zod schema
 * (validateAgentTask / validateWorkflow) and by ajv compiled from deploy/crds/{agenttasks,workflows}-crd.yaml
 * (test/support/crd-ajv.ts, strict field validation), and both must agree on the verdict, the offending
 * field paths and the defaulted result. Each case also states the expected outcome.
 */
import { describe, expect, test } from 'vitest';
import { formatFieldPath, validateAgentTask, validateWorkflow } from '@ambient-operator/shared';
import { ajvErrorPaths, compileCrd, readCrd } from './support/crd-ajv.js';

const deployCrds = new URL('../../../deploy/crds/', import.meta.url);
const ajv = {
  AgentTask: compileCrd(readCrd(new URL('agenttasks-crd.yaml', deployCrds))),
  Workflow: compileCrd(readCrd(new URL('workflows-crd.yaml', deployCrds))),
};
const zod = { AgentTask: validateAgentTask, Workflow: validateWorkflow };
type Kind = keyof typeof zod;
type Verdict = { valid: true; value: unknown } | { valid: false; paths: string[] };

function byZod(kind: Kind, doc: unknown): Verdict {
  const result = zod[kind](doc);
  if (result.ok) return { valid: true, value: result.value };
  return { valid: false, paths: [...new Set(result.issues.map((i) => i.path))].sort() };
}

function byAjv(kind: Kind, doc: unknown): Verdict {
  const copy: unknown = structuredClone(doc);
  const validate = ajv[kind];
  if (validate(copy)) return { valid: true, value: copy };
  const paths = ajvErrorPaths(validate.errors ?? [], copy).map((p) => formatFieldPath(p));
  // anyOf reports each branch and then itself at the same path: one path per field, as zod does.
  return { valid: false, paths: [...new Set(paths)].sort() };
}

const T = '2026-01-02T03:04:05Z';
const task = (extra: Record<string, unknown>) => ({
  apiVersion: 'scheduler.ambient-code.io/v1alpha1',
  kind: 'AgentTask',
  metadata: { name: 't', namespace: 'demo' },
  ...extra,
});
const workflow = (steps: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'scheduler.ambient-code.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name: 'w', namespace: 'demo' },
  spec: { steps },
  ...extra,
});
const step = (name: string, taskSpec: Record<string, unknown>) => ({ name, task: taskSpec });

interface Case {
  name: string;
  kind: Kind;
  doc: unknown;
  expected: 'valid' | string[];
  defaulted?: unknown;
}

const CASES: Case[] = [
  {
    name: 'minimal task gets timeoutSeconds 3600',
    kind: 'AgentTask',
    doc: task({ spec: { prompt: 'hi' } }),
    expected: 'valid',
    defaulted: task({ spec: { prompt: 'hi', timeoutSeconds: 3600 } }),
  },
  { name: 'task without spec', kind: 'AgentTask', doc: task({}), expected: 'valid' },
  {
    name: 'every task field, and a full status',
    kind: 'AgentTask',
    doc: task({
      spec: {
        image: 'quay.io/x/agent:1',
        command: ['/bin/agent'],
        args: ['--fast', '${literal}'],
        env: [{ name: 'A', value: '1' }, { name: 'B' }],
        prompt: 'Summarise ${steps.0.output.x} literally',
        input: { repo: 'https://x', branch: 'main' },
        timeoutSeconds: 60,
        resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: 1 } },
      },
      status: {
        phase: 'Succeeded',
        jobName: 't-task',
        startTime: T,
        completionTime: T,
        output: { summary: 'ok' },
        message: 'exit code 0',
        observedGeneration: 1,
        conditions: [{ type: 'OutputParsed', status: 'True', reason: 'Parsed', lastTransitionTime: T }],
      },
    }),
    expected: 'valid',
  },
  {
    name: 'unknown task phase',
    kind: 'AgentTask',
    doc: task({ status: { phase: 'Completed' } }),
    expected: ['status.phase'],
  },
  {
    name: 'timeoutSeconds 0 and fractional',
    kind: 'AgentTask',
    doc: task({ spec: { timeoutSeconds: 0 } }),
    expected: ['spec.timeoutSeconds'],
  },
  {
    name: 'fractional timeoutSeconds',
    kind: 'AgentTask',
    doc: task({ spec: { timeoutSeconds: 1.5 } }),
    expected: ['spec.timeoutSeconds'],
  },
  {
    name: 'env entry without name, and with an empty one',
    kind: 'AgentTask',
    doc: task({ spec: { env: [{ value: 'x' }, { name: '' }] } }),
    expected: ['spec.env[0].name', 'spec.env[1].name'],
  },
  {
    name: 'non-string input value and output value',
    kind: 'AgentTask',
    doc: task({ spec: { input: { n: 1 } }, status: { output: { ok: true } } }),
    expected: ['spec.input.n', 'status.output.ok'],
  },
  {
    name: 'resource quantity as a boolean',
    kind: 'AgentTask',
    doc: task({ spec: { resources: { limits: { cpu: true } } } }),
    expected: ['spec.resources.limits.cpu'],
  },
  {
    name: 'too many args',
    kind: 'AgentTask',
    doc: task({ spec: { args: Array.from({ length: 257 }, () => 'a') } }),
    expected: ['spec.args'],
  },
  {
    name: 'too many input entries',
    kind: 'AgentTask',
    doc: task({ spec: { input: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) } }),
    expected: ['spec.input'],
  },
  {
    name: 'too many conditions',
    kind: 'AgentTask',
    doc: task({
      status: { conditions: Array.from({ length: 9 }, (_, i) => ({ type: `T${i}`, status: 'True' })) },
    }),
    expected: ['status.conditions'],
  },
  {
    name: 'unknown task fields',
    kind: 'AgentTask',
    doc: task({ spec: { model: 'x' }, status: { exitCode: 1 } }),
    expected: ['spec.model', 'status.exitCode'],
  },
  {
    name: 'bad startTime',
    kind: 'AgentTask',
    doc: task({ status: { startTime: 'now' } }),
    expected: ['status.startTime'],
  },
  { name: 'wrong kind', kind: 'AgentTask', doc: task({ kind: 'Task' }), expected: ['kind'] },

  {
    name: 'two-step workflow with a reference; nested defaults apply',
    kind: 'Workflow',
    doc: workflow([
      step('plan', { prompt: 'plan it' }),
      step('do', {
        prompt: 'Do ${steps.0.output.plan} now ($5 budget)',
        args: ['${steps.0.output.a-b.c_d}'],
        env: [{ name: 'PLAN', value: 'x${steps.0.output.plan}y' }],
        input: { plan: '${steps.0.output.plan}', cost: '$$' },
        timeoutSeconds: 10,
      }),
    ]),
    expected: 'valid',
    defaulted: workflow([
      step('plan', { prompt: 'plan it', timeoutSeconds: 3600 }),
      step('do', {
        prompt: 'Do ${steps.0.output.plan} now ($5 budget)',
        args: ['${steps.0.output.a-b.c_d}'],
        env: [{ name: 'PLAN', value: 'x${steps.0.output.plan}y' }],
        input: { plan: '${steps.0.output.plan}', cost: '$$' },
        timeoutSeconds: 10,
      }),
    ]),
  },
  {
    name: 'a trailing $ is plain text',
    kind: 'Workflow',
    doc: workflow([step('a', { prompt: 'costs 5$', timeoutSeconds: 1 })]),
    expected: 'valid',
  },
  {
    name: 'a full workflow status',
    kind: 'Workflow',
    doc: workflow([step('a', { timeoutSeconds: 1 })], {
      status: {
        phase: 'Running',
        currentStep: 0,
        message: 'step a running',
        observedGeneration: 1,
        steps: [
          {
            name: 'a',
            phase: 'Timeout',
            taskName: 'w-0',
            output: { k: 'v' },
            startTime: T,
            completionTime: T,
          },
        ],
        conditions: [{ type: 'Ready', status: 'False' }],
      },
    }),
    expected: 'valid',
  },
  {
    name: 'malformed references in prompt, args, env and input',
    kind: 'Workflow',
    doc: workflow([
      step('a', {
        prompt: '${steps.zero.output.x}',
        args: ['${steps.0.output}'],
        env: [{ name: 'E', value: '${x}' }],
        input: { k: '${steps.0.output.x' },
        timeoutSeconds: 1,
      }),
    ]),
    expected: [
      'spec.steps[0].task.prompt',
      'spec.steps[0].task.args[0]',
      'spec.steps[0].task.env[0].value',
      'spec.steps[0].task.input.k',
    ],
  },
  {
    name: 'the command and image are not substituted, so anything goes there',
    kind: 'Workflow',
    doc: workflow([step('a', { command: ['${x}'], image: '${y}', timeoutSeconds: 1 })]),
    expected: 'valid',
  },
  { name: 'no steps', kind: 'Workflow', doc: workflow([]), expected: ['spec.steps'] },
  { name: 'no spec.steps', kind: 'Workflow', doc: { ...workflow([]), spec: {} }, expected: ['spec.steps'] },
  {
    name: 'more than 32 steps',
    kind: 'Workflow',
    doc: workflow(Array.from({ length: 33 }, (_, i) => step(`s${i}`, { timeoutSeconds: 1 }))),
    expected: ['spec.steps'],
  },
  {
    name: 'step without name or task, and a name too long',
    kind: 'Workflow',
    doc: workflow([{}, { name: 'x'.repeat(64), task: {} }]),
    expected: ['spec.steps[0].name', 'spec.steps[0].task', 'spec.steps[1].name'],
  },
  {
    name: 'unknown workflow phase and step phase, negative currentStep',
    kind: 'Workflow',
    doc: workflow([step('a', { timeoutSeconds: 1 })], {
      status: { phase: 'Timeout', currentStep: -1, steps: [{ name: 'a', phase: 'Done' }] },
    }),
    expected: ['status.phase', 'status.currentStep', 'status.steps[0].phase'],
  },
  {
    name: 'unknown step and task fields',
    kind: 'Workflow',
    doc: workflow([{ name: 'a', task: { timeoutSeconds: 1, retries: 2 }, when: 'always' }]),
    expected: ['spec.steps[0].task.retries', 'spec.steps[0].when'],
  },
];

describe('AgentTask and Workflow: zod and the CRDs agree', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const byZodVerdict = byZod(c.kind, c.doc);
    expect(byZodVerdict).toEqual(byAjv(c.kind, c.doc));
    if (c.expected === 'valid') {
      expect(byZodVerdict.valid ? 'valid' : byZodVerdict.paths).toBe('valid');
      if (byZodVerdict.valid) expect(byZodVerdict.value).toEqual(c.defaulted ?? c.doc);
    } else {
      expect(byZodVerdict.valid ? 'valid' : byZodVerdict.paths).toEqual([...c.expected].sort());
    }
  });
});
