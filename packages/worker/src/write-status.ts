import { isDeepStrictEqual } from 'node:util';
import {
  decide,
  type Decision,
  type SessionCommand,
  type SessionObservation,
  type SessionStatusPatch,
} from '@ambient-operator/machines';
import { isConflict } from '@ambient-operator/shared';
import type { CommandContext } from './commands/index.js';
import { mergePatch } from './kube-ops.js';
import { observeAnnotations } from './observe.js';
import { readSession, sessionApi } from './session-resource.js';

/** Re-reads of the CR after a 409 before the reconcile starts over from scratch. */
const MAX_RECOMPUTES = 8;

/**
 * Writes the status patch through `/status` with the resourceVersion we last saw as a precondition.
 * A concurrent writer makes it fail with 409; the write is never retried blindly.
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

/**
 * Writes the decision's status; on 409 re-reads the CR and decides again from its fresh status and
 * annotations (the children just observed are still current). When that decision asks for nothing beyond
 * the commands already executed, its status is written with the fresh resourceVersion; otherwise the 409
 * goes to the queue, which runs the whole reconcile again. This keeps a chatty writer of unrelated fields
 * (the backend's lastActivityTime, its annotations) from starving the reconcile, without ever writing a
 * status that was computed from a stale read.
 */
export async function writeStatusRecomputing(
  ctx: CommandContext,
  first: Decision,
  observation: SessionObservation,
  executed: readonly SessionCommand[],
): Promise<Decision> {
  let decision = first;
  for (let attempt = 1; ; attempt++) {
    try {
      await writeStatus(ctx, decision.statusPatch);
      return decision;
    } catch (err) {
      // A spec sync's outcome was folded into the decision: only a full reconcile may redo it.
      if (!isConflict(err) || attempt > MAX_RECOMPUTES || executed.some((c) => c.type === 'syncRunnerSpec'))
        throw err;
      const { namespace, name } = ctx.session.metadata;
      const fresh = await readSession(ctx.deps, { namespace, name });
      if (
        fresh === null ||
        fresh.metadata.deletionTimestamp ||
        fresh.metadata.generation !== ctx.session.metadata.generation
      ) {
        throw err;
      }
      const again = decide({
        status: fresh.status,
        observation: { ...observation, annotations: observeAnnotations(fresh.metadata.annotations ?? {}) },
        config: ctx.deps.machine,
      });
      // Annotations are consumed after the write (reconcile.ts), so they never count as new work here.
      const work = again.commands.filter((c) => c.type !== 'clearAnnotations');
      if (!work.every((c) => executed.some((done) => isDeepStrictEqual(done, c)))) throw err;
      ctx.session = fresh;
      ctx.resourceVersion = fresh.metadata.resourceVersion;
      decision = again;
    }
  }
}
