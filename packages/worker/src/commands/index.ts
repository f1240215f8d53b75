import type { SessionCommand, SessionCommandType, SessionFollowUp } from '@ambient-operator/machines';
import { clearAnnotations } from './clear-annotations.js';
import type { CommandContext } from './command-context.js';
import { copyPlatformSecrets } from './copy-platform-secrets.js';
import { createRunnerJob } from './create-runner-job.js';
import { deleteCopiedSecrets } from './delete-copied-secrets.js';
import { deleteRunner } from './delete-runner.js';
import { deleteService } from './delete-service.js';
import { ensureNetworkPolicy } from './ensure-network-policy.js';
import { ensureRunnerToken } from './ensure-runner-token.js';
import { ensureService } from './ensure-service.js';
import { refreshRunnerToken } from './refresh-runner-token.js';
import { syncRunnerSpec } from './sync-runner-spec.js';

export type { CommandContext } from './command-context.js';

type Executor<T extends SessionCommandType> = (
  ctx: CommandContext,
  command: Extract<SessionCommand, { type: T }>,
) => Promise<SessionFollowUp | void>;

/** One idempotent executor per command type; the mapped type makes a missing one a compile error. */
export const executors: { [T in SessionCommandType]: Executor<T> } = {
  ensureRunnerToken: (ctx) => ensureRunnerToken(ctx),
  refreshRunnerToken: (ctx) => refreshRunnerToken(ctx),
  copyPlatformSecrets: (ctx) => copyPlatformSecrets(ctx),
  ensureNetworkPolicy: (ctx) => ensureNetworkPolicy(ctx),
  createRunnerJob: (ctx, c) => createRunnerJob(ctx, c),
  ensureService: (ctx) => ensureService(ctx),
  deleteRunner: (ctx, c) => deleteRunner(ctx, c.gracePeriodSeconds),
  deleteService: (ctx) => deleteService(ctx),
  deleteCopiedSecrets: (ctx) => deleteCopiedSecrets(ctx),
  clearAnnotations: (ctx, c) => clearAnnotations(ctx, c.keys),
  // The runner's answer (accepted or refused) goes back to the machine in the same reconcile.
  syncRunnerSpec: async (ctx, c) => ({
    type: 'SPEC_SYNCED',
    result: await syncRunnerSpec(ctx, c.generation),
  }),
};

/** Runs one command; returns its follow-up event for the machine, if it has one. */
export function executeCommand(
  ctx: CommandContext,
  command: SessionCommand,
): Promise<SessionFollowUp | void> {
  const run = executors[command.type] as Executor<typeof command.type>;
  return run(ctx, command);
}
