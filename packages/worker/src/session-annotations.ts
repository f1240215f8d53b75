import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { ConflictError, apiErrorCode } from '@ambient-operator/shared';
import type { CommandContext } from './commands/command-context.js';
import { mergePatch } from './kube-ops.js';
import { sessionApi } from './session-resource.js';

const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

/** `/` in a key is `~1` in a JSON pointer (RFC 6901). */
const pointer = (key: string) => `/metadata/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/**
 * Sets annotations the operator owns (runner-token-secret, runner-sa) with a merge patch: nobody else
 * writes these keys, so no precondition is needed and other writers' annotations are untouched.
 */
export async function setSessionAnnotations(
  ctx: CommandContext,
  values: Record<string, string>,
): Promise<void> {
  const current = ctx.session.metadata.annotations ?? {};
  const changed = Object.entries(values).filter(([key, value]) => current[key] !== value);
  if (changed.length === 0) return;
  const { namespace, name } = ctx.session.metadata;
  remember(
    ctx,
    await ctx.deps.api.customObjects.patchNamespacedCustomObject(
      { ...sessionApi, namespace, name, body: { metadata: { annotations: Object.fromEntries(changed) } } },
      mergePatch,
    ),
  );
}

/**
 * Consumes one-shot annotations (desired-phase, stop-reason, …) with a JSON patch that first tests each
 * still holds the value we read: a request made after our read (say desired-phase=Running right after a
 * stop) is never erased, while unrelated writes (the backend's own annotations) do not get in the way,
 * as a whole-object resourceVersion precondition would (upstream's full Update could undo them, §10.6).
 */
export async function removeSessionAnnotations(ctx: CommandContext, keys: readonly string[]): Promise<void> {
  const current = ctx.session.metadata.annotations ?? {};
  const present = keys.filter((key) => current[key] !== undefined);
  if (present.length === 0) return;
  const { namespace, name } = ctx.session.metadata;
  const body = present.flatMap((key) => [
    { op: 'test', path: pointer(key), value: current[key] },
    { op: 'remove', path: pointer(key) },
  ]);
  try {
    remember(
      ctx,
      await ctx.deps.api.customObjects.patchNamespacedCustomObject(
        { ...sessionApi, namespace, name, body },
        jsonPatch,
      ),
    );
  } catch (err) {
    // A failed `test` is the API server's 422: someone changed the annotation since we read it.
    if (apiErrorCode(err) === 422)
      throw new ConflictError(`annotations of ${namespace}/${name} changed since read`, 'CONFLICT', {
        cause: err,
      });
    throw err;
  }
}

function remember(ctx: CommandContext, updated: unknown): void {
  const meta = (updated as { metadata?: { resourceVersion?: string; annotations?: Record<string, string> } })
    .metadata;
  if (meta?.resourceVersion) ctx.resourceVersion = meta.resourceVersion;
  ctx.session.metadata.annotations = meta?.annotations ?? {};
}
