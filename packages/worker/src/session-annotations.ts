import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { ConflictError, apiErrorCode, jsonPatch } from '@ambient-operator/shared';
import type { CommandContext } from './commands/command-context.js';
import { mergePatch } from './kube-ops.js';
import { sessionApi } from './session-resource.js';
import type { WorkerDeps } from './worker-deps.js';

/** What an annotation patch uses of a reconcile's context (a CommandContext is one). */
export type AnnotationContext = Pick<CommandContext, 'session' | 'resourceVersion'> & {
  deps: Pick<WorkerDeps, 'api'>;
};

/** `/` in a key is `~1` in a JSON pointer (RFC 6901). */
const pointer = (key: string) => `/metadata/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/**
 * Sets annotations the operator owns (runner-token-secret, runner-sa) with a merge patch: nobody else
 * writes these keys, so no precondition is needed and other writers' annotations are untouched.
 */
export async function setSessionAnnotations(
  ctx: AnnotationContext,
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
export async function removeSessionAnnotations(
  ctx: AnnotationContext,
  keys: readonly string[],
): Promise<void> {
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

const patchedSession = z.object({
  metadata: z.object({
    resourceVersion: z.string().optional(),
    generation: z.number().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  status: z.unknown().optional(),
});
const readStatus = z.object({ status: z.unknown().optional() });

/**
 * Keeps the annotations the API server answered with, and takes its resourceVersion as the one the status write will
 * carry only when the object is still the one this reconcile decided from: same generation, same status. These
 * patches have no resourceVersion precondition, so another writer's status (another worker that got the same key
 * after a Redis flush, say) may have landed between our read and the patch; taking the new resourceVersion then
 * would let the status write from our stale read overwrite theirs (their phaseHistory entries lost, their
 * transitions counted twice). Keeping the old one makes that write meet a 409 and the loop decide again.
 */
function remember(ctx: AnnotationContext, updated: unknown): void {
  const { metadata, status } = patchedSession.parse(updated);
  ctx.session.metadata.annotations = metadata.annotations ?? {};
  const unchanged =
    metadata.generation === ctx.session.metadata.generation &&
    isDeepStrictEqual(status, readStatus.parse(ctx.session.raw).status);
  if (metadata.resourceVersion && unchanged) ctx.resourceVersion = metadata.resourceVersion;
}
