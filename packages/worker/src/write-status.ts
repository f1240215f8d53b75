import type { SessionStatusPatch } from '@ambient-operator/machines';
import type { CommandContext } from './commands/index.js';
import { mergePatch } from './kube-ops.js';
import { sessionApi, type SessionResource } from './session-resource.js';

/**
 * Writes a status patch through `/status` with `resourceVersion` as a precondition; a concurrent writer makes it
 * fail with 409, and the write is never retried blindly. Returns the resourceVersion after the write.
 */
export async function patchSessionStatus(
  ctx: Pick<CommandContext, 'deps'>,
  session: SessionResource,
  resourceVersion: string,
  patch: SessionStatusPatch,
): Promise<string> {
  if (Object.keys(patch).length === 0) return resourceVersion;
  const { namespace, name } = session.metadata;
  const updated: unknown = await ctx.deps.api.customObjects.patchNamespacedCustomObjectStatus(
    { ...sessionApi, namespace, name, body: { metadata: { resourceVersion }, status: patch } },
    mergePatch,
  );
  return resourceVersionOf(updated) ?? resourceVersion;
}

/** {@link patchSessionStatus} for the session of a reconcile; later writes carry the new resourceVersion. */
export async function writeStatus(ctx: CommandContext, patch: SessionStatusPatch): Promise<void> {
  ctx.resourceVersion = await patchSessionStatus(ctx, ctx.session, ctx.resourceVersion, patch);
}

function resourceVersionOf(object: unknown): string | undefined {
  if (typeof object !== 'object' || object === null || !('metadata' in object)) return undefined;
  const { metadata } = object;
  if (typeof metadata !== 'object' || metadata === null || !('resourceVersion' in metadata)) return undefined;
  return typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : undefined;
}
