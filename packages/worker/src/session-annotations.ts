import type { CommandContext } from './commands/command-context.js';
import { mergePatch } from './kube-ops.js';
import { sessionApi } from './session-resource.js';

/**
 * Sets (string) or removes (null) annotations on the AgenticSession with a merge patch that carries the
 * resourceVersion we read as a precondition: a concurrent writer's change makes it fail with 409 and the
 * reconcile starts over from a fresh read, so we never clear an annotation set after our read
 * (upstream's full-object Update could undo concurrent changes, contract §10.6).
 */
export async function patchSessionAnnotations(
  ctx: CommandContext,
  changes: Record<string, string | null>,
): Promise<void> {
  const current = ctx.session.metadata.annotations ?? {};
  const effective = Object.entries(changes).filter(([key, value]) =>
    value === null ? key in current : current[key] !== value,
  );
  if (effective.length === 0) return;
  const { namespace, name } = ctx.session.metadata;
  const updated = (await ctx.deps.api.customObjects.patchNamespacedCustomObject(
    {
      ...sessionApi,
      namespace,
      name,
      body: {
        metadata: { resourceVersion: ctx.resourceVersion, annotations: Object.fromEntries(effective) },
      },
    },
    mergePatch,
  )) as { metadata?: { resourceVersion?: string; annotations?: Record<string, string> } };
  if (updated.metadata?.resourceVersion) ctx.resourceVersion = updated.metadata.resourceVersion;
  ctx.session.metadata.annotations = updated.metadata?.annotations ?? {};
}
