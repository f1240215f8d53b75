import type { V1Pod } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import type { RunnerObservation } from '@ambient-operator/machines';
import { runnerJobName, serviceName } from '@ambient-operator/shared';
import { buildRunnerService, sessionOwnerReference } from './children/index.js';
import type { CommandContext } from './commands/command-context.js';
import { childSession } from './commands/command-context.js';
import { createIfAbsent, mergePatch, readOrNull } from './kube-ops.js';
import { observePod } from './observation-mapping.js';
import { runtimeOf } from './runner-runtime.js';

// Cutover from the Go operator (docs/cutover.md). Its runner is a bare Pod `<name>-runner` (no Job), owned
// by the session, and its Service `session-<name>` is owned by that Pod. We adopt both instead of judging
// the runner vanished (which started a Job beside the live pod): the bare pod stands for the runner Job of
// the current run, its outcome is judged like our runners', and its Service is handed to the session so it
// outlives the pod. Once the pod is gone, the session's next runner is one of our Jobs.

/** The Go operator's runner: named exactly `<name>-runner` and not owned by a Job (Job pods get a suffix). */
export function isLegacyRunnerPod(pod: Wire<V1Pod>, session: string): boolean {
  return (
    pod.metadata?.name === runnerJobName(session) &&
    !(pod.metadata.ownerReferences ?? []).some((owner) => owner.kind === 'Job')
  );
}

/**
 * The machine's view of an adopted pod: a runner Job of the current run (`runStartTime` = the session's
 * `status.startTime`, which the Go operator set when it built the pod), complete or failed with its pod.
 */
export function observeLegacyRunner(pod: Wire<V1Pod>, runStartTime: string | undefined): RunnerObservation {
  const observed = observePod(pod);
  return {
    job: {
      ...(runStartTime !== undefined ? { runStartTime } : {}),
      deleting: observed.deleting,
      complete: observed.phase === 'Succeeded',
      ...(observed.phase === 'Failed'
        ? { failed: { reason: 'PodFailed', message: 'Runner pod failed' } }
        : {}),
    },
    pod: observed,
  };
}

/**
 * Hands Service `session-<name>` to the session while the adopted pod lives: the Go operator made the pod
 * its controller, so the garbage collector would delete it with the pod and nothing would bring it back.
 * A missing Service is created (the Go operator did not re-create it either). Idempotent.
 */
export async function adoptLegacyService(ctx: CommandContext): Promise<void> {
  const { api } = ctx.deps;
  const { namespace, name, uid } = ctx.session.metadata;
  const current = await readOrNull(() =>
    api.core.readNamespacedService({ namespace, name: serviceName(name) }),
  );
  if (current === null) {
    const session = childSession(ctx);
    const body = buildRunnerService({ session, port: (await runtimeOf(ctx.deps, session)).port });
    await createIfAbsent(() => api.core.createNamespacedService({ namespace, body }));
    return;
  }
  const owners = current.metadata?.ownerReferences ?? [];
  if (owners.length === 1 && owners[0]?.uid === uid && owners[0].controller === true) return;
  await api.core.patchNamespacedService(
    {
      namespace,
      name: serviceName(name),
      body: {
        // The precondition: a Service replaced meanwhile is adopted on the next reconcile, not overwritten.
        metadata: {
          resourceVersion: current.metadata?.resourceVersion,
          ownerReferences: [sessionOwnerReference(ctx.session)],
        },
      },
    },
    mergePatch,
  );
}
