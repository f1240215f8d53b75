import { OperatorError, classifyError, type ErrorCode, type ErrorKind } from '@ambient-operator/shared';

/** One failed step of a ProjectSettings reconcile; the others still run. */
export interface StepFailure {
  /** What failed, e.g. `RoleBinding team-a/devs-edit` or `LimitRange`. */
  step: string;
  error: unknown;
}

// A conflict re-runs at once from fresh reads, which also retries the rest; a retryable failure gets backoff;
// only when every failure is terminal (a bad name, a forbidden create) is there nothing to retry.
const PRIORITY: readonly ErrorKind[] = ['conflict', 'retryable', 'terminal'];

/**
 * One error for the queue, of the most retry-worthy kind among the failures, naming every failed step.
 * The queue worker classifies it by `kind`/`code` (shared's classifyError), so its backoff applies.
 */
export function combineStepFailures(
  namespace: string,
  failures: readonly StepFailure[],
): ProjectSettingsStepsError {
  const classified = failures.map((f) => ({ ...f, cause: classifyError(f.error) }));
  const kind = PRIORITY.find((k) => classified.some((c) => c.cause.kind === k)) ?? 'retryable';
  const first = classified.find((c) => c.cause.kind === kind)!;
  const message =
    `ProjectSettings ${namespace}: ${failures.length} step(s) failed: ` +
    classified.map((c) => `${c.step}: ${c.cause.message}`).join('; ');
  return new ProjectSettingsStepsError(message, first.cause.code, kind, failures, first.error);
}

/** Some steps of a ProjectSettings reconcile failed; `kind` says how the queue retries the key. */
export class ProjectSettingsStepsError extends OperatorError {
  constructor(
    message: string,
    code: ErrorCode,
    kind: ErrorKind,
    readonly failures: readonly StepFailure[],
    cause: unknown,
  ) {
    super(message, code, kind, { cause });
    this.name = 'ProjectSettingsStepsError';
  }
}

/** Runs `step`, recording a thrown error instead of propagating it. */
export async function recordFailure<T>(
  failures: StepFailure[],
  step: string,
  run: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    failures.push({ step, error });
    return undefined;
  }
}
