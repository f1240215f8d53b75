import type { AgentTaskSpec } from '@ambient-operator/shared';

/**
 * `${steps.N.output.KEY}` in a workflow step's prompt, args, env values and input values. The scan is
 * the CRD's pattern (STEP_REFERENCE_TEXT_PATTERN) read as a tokenizer: a `$` not followed by `{` is text
 * together with the next character, and every `${` begins a reference. Substitution happens once: text
 * that comes out of an output is never scanned again.
 */
const TOKEN = /\$[^{]|\$\{steps\.([0-9]+)\.output\.([A-Za-z0-9_.-]+)\}/g;

/** What a step may see: the outputs of the steps before it (index = step). */
export interface StepOutputs {
  /** The step whose task is being created. */
  stepIndex: number;
  stepCount: number;
  outputs: readonly (Readonly<Record<string, string>> | undefined)[];
}

export type SubstitutionResult =
  { ok: true; spec: AgentTaskSpec } | { ok: false; reference: string; message: string };

class BadReference extends Error {
  constructor(
    readonly reference: string,
    message: string,
  ) {
    super(message);
  }
}

function substituteText(text: string, context: StepOutputs): string {
  return text.replace(TOKEN, (match: string, step: string | undefined, key: string | undefined) => {
    if (step === undefined || key === undefined) return match;
    const index = Number(step);
    if (index >= context.stepCount) {
      throw new BadReference(
        match,
        `${match} refers to step ${index}, but the workflow has ${context.stepCount} steps`,
      );
    }
    if (index >= context.stepIndex) {
      throw new BadReference(
        match,
        `${match} in step ${context.stepIndex} refers to step ${index}, which does not run before it`,
      );
    }
    const value = context.outputs[index]?.[key];
    if (value === undefined) {
      throw new BadReference(match, `${match}: step ${index} has no output "${key}"`);
    }
    return value;
  });
}

/** The step's task spec with every reference replaced, or the first reference that cannot be. */
export function substituteStepOutputs(spec: AgentTaskSpec, context: StepOutputs): SubstitutionResult {
  const sub = (text: string) => substituteText(text, context);
  try {
    const result: AgentTaskSpec = { ...spec };
    if (spec.prompt !== undefined) result.prompt = sub(spec.prompt);
    if (spec.args !== undefined) result.args = spec.args.map(sub);
    if (spec.env !== undefined)
      result.env = spec.env.map((e) => (e.value === undefined ? { ...e } : { ...e, value: sub(e.value) }));
    if (spec.input !== undefined)
      result.input = Object.fromEntries(Object.entries(spec.input).map(([k, v]) => [k, sub(v)]));
    return { ok: true, spec: result };
  } catch (error) {
    if (error instanceof BadReference)
      return { ok: false, reference: error.reference, message: error.message };
    throw error;
  }
}
