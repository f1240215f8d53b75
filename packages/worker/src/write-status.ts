import type { SessionStatusPatch } from '@ambient-operator/machines';
import type { CommandContext } from './commands/index.js';
import { sessionApi, type SessionResource } from './session-resource.js';
import { patchStatus } from './stored-object.js';

/**
 * Writes a session's status patch through `/status` with `resourceVersion` as a precondition (stored-object.ts's
 * patchStatus). Returns the resourceVersion after the write.
 */
export function patchSessionStatus(
  ctx: Pick<CommandContext, 'deps'>,
  session: SessionResource,
  resourceVersion: string,
  patch: SessionStatusPatch,
): Promise<string> {
  return patchStatus(ctx.deps, sessionApi, { ...session.metadata, resourceVersion }, patch);
}

/** {@link patchSessionStatus} for the session of a reconcile; later writes carry the new resourceVersion. */
export async function writeStatus(ctx: CommandContext, patch: SessionStatusPatch): Promise<void> {
  ctx.resourceVersion = await patchSessionStatus(ctx, ctx.session, ctx.resourceVersion, patch);
}
