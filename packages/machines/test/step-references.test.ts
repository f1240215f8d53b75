import { substituteStepOutputs } from '@ambient-operator/machines';
import { STEP_REFERENCE_TEXT_PATTERN } from '@ambient-operator/shared';
import { describe, expect, it } from 'vitest';

const outputs: Record<string, string>[] = [
  { plan: 'P', 'a.b-c_d': 'X' },
  { summary: 'S ${steps.0.output.plan}' },
];
const at = (stepIndex: number) => ({ stepIndex, stepCount: 3, outputs });

describe('${steps.N.output.KEY} substitution', () => {
  it('replaces references in prompt, args, env values and input values, and nothing else', () => {
    const result = substituteStepOutputs(
      {
        image: '${steps.0.output.plan}',
        command: ['${steps.0.output.plan}'],
        prompt: 'Do ${steps.0.output.plan} then ${steps.1.output.summary}!',
        args: ['--x=${steps.0.output.a.b-c_d}', 'plain'],
        env: [{ name: 'S', value: '${steps.1.output.summary}' }, { name: 'EMPTY' }],
        input: { plan: '${steps.0.output.plan}' },
        timeoutSeconds: 5,
      },
      at(2),
    );
    expect(result).toEqual({
      ok: true,
      spec: {
        image: '${steps.0.output.plan}',
        command: ['${steps.0.output.plan}'],
        // Once, not recursively: step 1's output keeps its literal reference.
        prompt: 'Do P then S ${steps.0.output.plan}!',
        args: ['--x=X', 'plain'],
        env: [{ name: 'S', value: 'S ${steps.0.output.plan}' }, { name: 'EMPTY' }],
        input: { plan: 'P' },
        timeoutSeconds: 5,
      },
    });
  });

  it('a $ that does not begin "${" is text (as in the CRD pattern)', () => {
    const text = 'costs $5, $$ and $${steps.0.output.plan} and 5$';
    expect(new RegExp(STEP_REFERENCE_TEXT_PATTERN, 'u').test(text)).toBe(true);
    expect(substituteStepOutputs({ prompt: text, timeoutSeconds: 1 }, at(1))).toEqual({
      ok: true,
      spec: { prompt: text, timeoutSeconds: 1 },
    });
  });

  it.each([
    ['a later step', 2, '${steps.2.output.x}', 'does not run before it'],
    ['the step itself', 1, '${steps.1.output.summary}', 'does not run before it'],
    ['an unknown step', 2, '${steps.7.output.x}', 'the workflow has 3 steps'],
    ['a missing key', 2, '${steps.0.output.nope}', 'step 0 has no output "nope"'],
  ])('a reference to %s fails naming it', (_what, stepIndex, reference, why) => {
    const result = substituteStepOutputs(
      { args: ['ok', `x ${reference}`], timeoutSeconds: 1 },
      at(stepIndex),
    );
    expect(result).toMatchObject({ ok: false, reference });
    if (!result.ok) {
      expect(result.message).toContain(reference);
      expect(result.message).toContain(why);
    }
  });
});
