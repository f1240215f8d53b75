import type { SessionCommand } from '@ambient-operator/machines';
import { OperatorError } from '@ambient-operator/shared';
import type { CommandContext } from './commands/command-context.js';
import type { SessionReadings } from './observation-mapping.js';

// Two reconciles can tell from the status what the runner must be, and act on it without reading it:
// - a session the operator never started has no runner Job, unless a reconcile created the Job and then failed before
//   its status write (or a deleted session of the same name left its Job behind). Its plan creates the Job, and an
//   AlreadyExists means the Job was there;
// - a stop asked of a session in Creating or Running finds the Job its run created. Its plan deletes the Job, and a
//   NotFound means it was gone (or the runner is the Go operator's bare pod, which has none).
// Either way the reconcile then starts over with the runner read, and the machine judges it as it is. A plan that would
// not create (or delete) the Job checks nothing: the reconcile reads the runner before that plan is decided for good
// (a dry decide in its load).

/**
 * The runner assumed absent or present is not: only a reconcile that reads it can judge this session. A conflict:
 * when the session changed since it was read (another reconcile moved it on), the queue runs the reconcile again
 * from fresh reads, as after a 409.
 */
export class RunnerAssumptionFailed extends OperatorError {
  constructor(
    reason: string,
    /** The session's resourceVersion the assumption was made on (after this reconcile's own annotation patches). */
    readonly resourceVersion: string,
  ) {
    super(`runner Job and pods must be read: ${reason}`, 'CONFLICT', 'conflict');
    this.name = 'RunnerAssumptionFailed';
  }
}

/** Whether a plan relies on the assumed runner only where its Job create or delete checks it. */
export function assumptionChecked(readings: SessionReadings, commands: readonly SessionCommand[]): boolean {
  const checking = readings.runnerAssumed === 'absent' ? 'createRunnerJob' : 'deleteRunner';
  return commands.some((c) => c.type === checking);
}

/** The Job create of a plan that assumed no runner found one. */
export function runnerJobExisted(ctx: CommandContext): void {
  if (ctx.readings.runnerAssumed === 'absent')
    throw new RunnerAssumptionFailed('the runner Job exists already', ctx.resourceVersion);
}

/** The Job delete of a plan that assumed this run's runner found none. */
export function runnerJobMissing(ctx: CommandContext): void {
  if (ctx.readings.runnerAssumed === 'present')
    throw new RunnerAssumptionFailed('the runner Job is gone', ctx.resourceVersion);
}

/** The failed runner assumption `err` is or was caused by, if any. */
export function runnerAssumptionFailure(err: unknown): RunnerAssumptionFailed | undefined {
  for (let e = err; e instanceof Error; e = e.cause)
    if (e.name === 'RunnerAssumptionFailed') return e as RunnerAssumptionFailed;
  return undefined;
}
