import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import type { Decision, PhaseTransition, SessionStatus } from '@ambient-operator/machines';
import { NO_PHASE, isTerminalPhase } from '@ambient-operator/machines';
import { APP_RUNNER, CRD_GROUP, CRD_VERSION, type EventObjectRef } from '@ambient-operator/shared';
import { stageDurations } from './session-stages.js';
import type { WorkerDeps } from './worker-deps.js';

/** A session reconcile whose status write succeeded: what it read, decided and wrote. */
export interface WrittenSession {
  key: string;
  session: {
    metadata: { namespace?: string; name?: string; uid?: string; creationTimestamp?: string | Date };
    status?: SessionStatus;
  };
  job: Wire<V1Job> | null;
  pod: Wire<V1Pod> | null;
  decision: Decision;
  written: SessionStatus;
  nowMs: number;
  signal?: AbortSignal;
}

/**
 * Everything counted once per written transition, next to the transition metrics (record-transitions.ts): the
 * stage histograms, the cluster-wide phase index, the Events users read in `kubectl describe`, and the XState
 * inspector. Called after the status write, so a duplicate delivery of a key (which sees the transition done)
 * counts nothing twice. Never throws: none of this may fail a reconcile whose status is already written.
 */
export async function recordWrittenSession(deps: WorkerDeps, w: WrittenSession): Promise<void> {
  const namespace = w.session.metadata.namespace ?? '';
  const { transitions } = w.decision;
  const createdAt = w.session.metadata.creationTimestamp;
  for (const { stage, seconds } of stageDurations({
    transitions,
    before: w.session.status,
    after: w.written,
    createdAt: createdAt instanceof Date ? createdAt.toISOString() : createdAt,
    job: w.job,
    pod: w.pod,
    runnerContainer: APP_RUNNER,
    nowMs: w.nowMs,
  })) {
    deps.metrics.sessionStageDuration.observe({ namespace, stage }, seconds);
  }
  deps.inspector?.report(w.key, w.session.status, w.decision, w.written);
  await Promise.all([recordPhase(deps, w), recordEvents(deps, w)]);
}

/**
 * Every reconcile (not only transitions) keeps the index right after a Redis flush or for sessions older than
 * it; a phase is recorded with the time it began (status.phaseTransitionTime), and the first entry wins.
 */
async function recordPhase(deps: WorkerDeps, w: WrittenSession): Promise<void> {
  if (!deps.phaseIndex) return;
  const phase = w.written.phase;
  const since = Date.parse(w.written.phaseTransitionTime ?? '') || w.nowMs;
  try {
    // The phase it had when read is the one it was recorded in (a session without one is Pending).
    const from = w.session.status?.phase || 'Pending';
    await deps.phaseIndex.record(w.key, phase && !isTerminalPhase(phase) ? phase : undefined, since, from);
  } catch (err) {
    deps.log.warn({ err, key: w.key }, 'could not update the phase index');
  }
}

/** Transitions out of a running runner back to Pending: the runner vanished and is being re-created. */
const isRecreation = (t: PhaseTransition) =>
  t.to === 'Pending' && (t.from === 'Creating' || t.from === 'Running');

async function recordEvents(deps: WorkerDeps, w: WrittenSession): Promise<void> {
  if (!deps.events) return;
  const { metadata } = w.session;
  const regarding: EventObjectRef = {
    apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
    kind: 'AgenticSession',
    namespace: metadata.namespace ?? '',
    name: metadata.name ?? '',
    ...(metadata.uid ? { uid: metadata.uid } : {}),
  };
  const job: EventObjectRef | undefined = w.job?.metadata?.name
    ? {
        apiVersion: 'batch/v1',
        kind: 'Job',
        namespace: regarding.namespace,
        name: w.job.metadata.name,
        ...(w.job.metadata.uid ? { uid: w.job.metadata.uid } : {}),
      }
    : undefined;
  for (const t of w.decision.transitions) {
    const message = w.written.conditions?.find((c) => c.reason === t.reason && c.message)?.message;
    const from = t.from === NO_PHASE ? 'new' : t.from;
    const note = `${from} → ${t.to}${message ? `: ${message}` : ''}`;
    const warning = t.to === 'Failed' || isRecreation(t);
    await deps.events.record(
      {
        regarding,
        ...(job && { related: job }),
        type: warning ? 'Warning' : 'Normal',
        reason: t.reason,
        action: 'Transition',
        note,
      },
      w.signal,
    );
    if (isRecreation(t)) {
      const count = w.written.runnerRecreations ?? 0;
      await deps.events.record(
        {
          regarding,
          ...(job && { related: job }),
          type: 'Warning',
          reason: 'RunnerRecreated',
          action: 'RecreateRunner',
          note: `the runner is re-created (${count} of ${deps.machine.maxRunnerRecreations}): ${t.reason}`,
        },
        w.signal,
      );
    }
  }
}

/** A session that is gone (or being deleted) leaves the phase index. */
export async function forgetSession(deps: WorkerDeps, key: string): Promise<void> {
  try {
    await deps.phaseIndex?.record(key, undefined, 0);
  } catch (err) {
    deps.log.warn({ err, key }, 'could not update the phase index');
  }
}
