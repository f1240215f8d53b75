import type { CoreV1Event } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { runnerJobName } from '@ambient-operator/shared';
import { findCondition } from '@ambient-operator/machines';
import type { CommandContext } from './commands/command-context.js';
import { createOrNull, mergePatch } from './kube-ops.js';
import { readRecent, recentKey } from './recent-reads.js';

// The UI's "Starting Session" panel shows what the backend lists with `involvedObject.name=<name>-runner`
// (contract §8.4): with the Go operator that was its bare runner pod. Our runner pod is the Job's
// `<name>-runner-xxxxx`, so scheduling, image pull and BackOff events would vanish from the panel. While the
// session is starting, the worker mirrors its runner pod's core/v1 Events onto the Job `<name>-runner`:
// same type, reason, message, count and timestamps, one mirror per source event under a derived name, so
// repeats update the same mirror. Best effort: a failure is logged, never fails the reconcile.

/** Most pod events mirrored per session (the newest), so a crash-looping pod cannot flood the namespace. */
export const MIRRORED_EVENTS_LIMIT = 30;

const MIRROR_COMPONENT = 'ambient-session-operator';

export async function mirrorRunnerPodEvents(ctx: CommandContext): Promise<void> {
  const { job, pod } = ctx.readings;
  const podName = pod?.metadata?.name;
  if (job === null || podName === undefined || ctx.readings.legacyPod !== null) return;
  const { api, log } = ctx.deps;
  const { namespace, name } = ctx.session.metadata;
  const jobName = runnerJobName(name);
  const recent = ctx.deps.recentReads;
  const key = recentKey('events', namespace, jobName);
  // Listed live here, or held: what this process's last mirroring of the Job left a moment ago (recent-reads.ts).
  let listed = false;
  const listMirrors = async () => {
    listed = true;
    return (
      await api.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${jobName}` })
    ).items;
  };
  try {
    const [source, mirrored] = await Promise.all([
      api.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${podName}` }),
      mayHaveMirrored(ctx) ? readRecent(recent, key, listMirrors) : undefined,
    ]);
    const existing = new Map((mirrored ?? []).map((e) => [e.metadata?.name ?? '', e]));
    const newest = [...source.items]
      .sort((a, b) => timestampOf(a).localeCompare(timestampOf(b)))
      .slice(-MIRRORED_EVENTS_LIMIT);
    for (const event of newest) {
      const mirrorName = `${jobName}.${(event.metadata?.name ?? '').slice(podName.length + 1)}`;
      const current = existing.get(mirrorName);
      const update = async () =>
        existing.set(
          mirrorName,
          await api.core.patchNamespacedEvent(
            {
              namespace,
              name: mirrorName,
              body: { count: event.count, lastTimestamp: event.lastTimestamp, message: event.message },
            },
            mergePatch,
          ),
        );
      if (current === undefined) {
        const body = mirrorOf(event, mirrorName, { namespace, jobName, jobUid: job.metadata?.uid });
        const created = await createOrNull(() => api.core.createNamespacedEvent({ namespace, body }));
        if (created !== null) existing.set(mirrorName, created);
        // Mirrored unseen (not listed): a repeated event's mirror may hold an older count.
        else if (!listed && (event.count ?? 1) > 1) await update();
      } else if (current.count !== event.count || timestampOf(current) !== timestampOf(event)) {
        await update();
      }
    }
    // The mirrors as this run left them: the next mirroring here lists none (a mirror made elsewhere meanwhile is
    // found by its create, as an unlisted one is).
    recent?.set(key, [...existing.values()]);
  } catch (err) {
    recent?.forget(key);
    log.warn({ err, pod: podName }, 'could not mirror the runner pod events onto the runner Job');
  }
}

/**
 * Whether an earlier reconcile may have mirrored events of this run's pod, so the mirrors are listed first. One that
 * mirrored saw the pod, and nearly always wrote its PodScheduled condition: a session whose status has none yet (a
 * first start, before any reconcile saw its pod scheduled) has no mirrors, and its first mirroring creates them
 * unlisted. Where that guess is wrong (a mirror made by a reconcile whose status write failed), the create finds
 * the mirror there and leaves it, or brings a repeated event's count up to date.
 */
function mayHaveMirrored(ctx: CommandContext): boolean {
  return findCondition(ctx.session.status?.conditions, 'PodScheduled') !== undefined;
}

function timestampOf(event: Wire<CoreV1Event>): string {
  const at = event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp;
  return at === undefined ? '' : new Date(at).toISOString();
}

function mirrorOf(
  event: Wire<CoreV1Event>,
  name: string,
  target: { namespace: string; jobName: string; jobUid: string | undefined },
): Wire<CoreV1Event> {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: target.namespace },
    involvedObject: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: target.jobName,
      namespace: target.namespace,
      ...(target.jobUid ? { uid: target.jobUid } : {}),
    },
    type: event.type ?? 'Normal',
    reason: event.reason ?? '',
    message: event.message ?? '',
    count: event.count ?? 1,
    ...(event.firstTimestamp ? { firstTimestamp: event.firstTimestamp } : {}),
    ...(event.lastTimestamp ? { lastTimestamp: event.lastTimestamp } : {}),
    ...(event.source ? { source: event.source } : { source: { component: MIRROR_COMPONENT } }),
    reportingComponent: MIRROR_COMPONENT,
    reportingInstance: '',
  };
}
