import type {
  ConditionStatus,
  ConditionType,
  SessionCommand,
  SessionStatusPatch,
} from '@ambient-operator/machines';
import { setCondition } from '@ambient-operator/machines';
import { OperatorError, classifyError } from '@ambient-operator/shared';
import type { CommandContext } from './commands/index.js';
import { writeStatus } from './write-status.js';

/**
 * The conditions upstream wrote when a step of runner creation failed (contract rows 7 and 9), so a
 * user sees why a session stays Pending instead of a silent retry. Other commands only log and retry.
 */
interface FailureCondition {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
}

const failureConditions: Partial<Record<SessionCommand['type'], FailureCondition[]>> = {
  ensureRunnerToken: [{ type: 'Ready', status: 'False', reason: 'TokenProvisionFailed' }],
  copyPlatformSecrets: [{ type: 'SecretsReady', status: 'False', reason: 'SecretCheckFailed' }],
  createRunnerJob: [
    { type: 'PodCreated', status: 'False', reason: 'CreateFailed' },
    { type: 'Ready', status: 'False', reason: 'PodCreationFailed' },
  ],
};

/**
 * A command that failed, classified like its cause (so the queue retries, re-reads or gives up as the
 * cause deserves) and named after the command (the `error_type` of `ambient_session_errors_total`).
 */
export class CommandFailedError extends OperatorError {
  constructor(
    readonly command: SessionCommand['type'],
    cause: unknown,
  ) {
    const { kind, code, message } = classifyError(cause);
    super(`${command} failed: ${message}`, code, kind, { cause });
    this.name = 'CommandFailedError';
  }
}

/** Records a failed command on the session; best effort, the caller rethrows the failure either way. */
export async function reportCommandFailure(
  ctx: CommandContext,
  command: SessionCommand,
  error: unknown,
): Promise<void> {
  const conditions = failureConditions[command.type];
  if (conditions === undefined || classifyError(error).kind === 'conflict') return;
  const message = error instanceof Error ? error.message.slice(0, 500) : String(error);
  let next = ctx.session.status?.conditions ?? [];
  for (const condition of conditions) next = setCondition(next, { ...condition, message }, ctx.deps.now());
  const patch: SessionStatusPatch = { conditions: next };
  try {
    await writeStatus(ctx, patch);
  } catch (writeError) {
    ctx.deps.log.debug({ err: writeError }, 'could not record the command failure in status');
  }
}
