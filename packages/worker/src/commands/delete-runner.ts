import { runnerJobName } from '@ambient-operator/shared';
import { deleteIfPresent } from '../kube-ops.js';
import { runnerJobMissing } from '../runner-assumption.js';
import type { CommandContext } from './command-context.js';

/**
 * Deletes the runner Job with Background propagation (the GC removes its pod), or the Go operator's bare
 * runner pod when that is the runner. A forced delete
 * (`gracePeriodSeconds: 0`, after the Stopping grace) also deletes the pods directly, because a
 * pod already terminating keeps its original grace period otherwise.
 */
export async function deleteRunner(
  ctx: CommandContext,
  gracePeriodSeconds: number | undefined,
): Promise<void> {
  const { api } = ctx.deps;
  const { namespace, name } = ctx.session.metadata;
  const grace = gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds };
  const deleted = await deleteIfPresent(() =>
    api.batch.deleteNamespacedJob({
      namespace,
      name: runnerJobName(name),
      propagationPolicy: 'Background',
      ...grace,
    }),
  );
  if (!deleted) runnerJobMissing(ctx);
  // The Go operator's bare runner pod (adopted at cutover) has no Job to take it along.
  if (ctx.readings.legacyPod !== null) {
    await deleteIfPresent(() =>
      api.core.deleteNamespacedPod({ namespace, name: runnerJobName(name), ...grace }),
    );
    return;
  }
  if (gracePeriodSeconds === 0 && ctx.readings.pod?.metadata?.name) {
    const podName = ctx.readings.pod.metadata.name;
    await deleteIfPresent(() =>
      api.core.deleteNamespacedPod({ namespace, name: podName, gracePeriodSeconds: 0 }),
    );
  }
}
