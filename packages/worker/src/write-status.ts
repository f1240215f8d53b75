import type { SessionStatusPatch } from '@ambient-operator/machines';
import { mergePatch } from './kube-ops.js';
import { sessionApi } from './session-resource.js';
import type { CommandContext } from './commands/index.js';

/**
 * Writes the status patch through `/status` with the resourceVersion we last saw as a precondition.
 * A concurrent writer (the backend's lastActivityTime, a user's annotation) makes it fail with 409:
 * the queue then reconciles again at once from a fresh read; the write is never retried blindly.
 */
export async function writeStatus(ctx: CommandContext, patch: SessionStatusPatch): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  const { namespace, name } = ctx.session.metadata;
  const updated = (await ctx.deps.api.customObjects.patchNamespacedCustomObjectStatus(
    {
      ...sessionApi,
      namespace,
      name,
      body: { metadata: { resourceVersion: ctx.resourceVersion }, status: patch },
    },
    mergePatch,
  )) as { metadata?: { resourceVersion?: string } };
  if (updated.metadata?.resourceVersion) ctx.resourceVersion = updated.metadata.resourceVersion;
}
