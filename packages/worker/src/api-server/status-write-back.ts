import type { ApiSession, SessionStatusPatch } from '@ambient-operator/api-contract';
import { sameMicros } from '@ambient-operator/api-contract';
import type { AgenticSessionStatus } from '@ambient-operator/shared';

/** What the write-back reads of an AgenticSession. */
export interface SessionCrView {
  metadata: { uid?: string; namespace?: string };
  status?: Partial<AgenticSessionStatus>;
}

const ACTIVE = ['Pending', 'Creating', 'Running'];
const FINISHED = ['Stopped', 'Completed', 'Failed'];

/**
 * The start or stop the API asks for and the CR has not acted on yet, derived from the data alone
 * (any worker computes the same): `/stop` leaves the API in Stopping while the CR is still active;
 * `/start` leaves it in Pending while the CR is finished. While one is pending the write-back leaves
 * `phase` alone, so a request is never overwritten by the state it asks to leave.
 */
export function pendingPhaseRequest(
  apiPhase: string | undefined,
  crPhase: string | undefined,
): 'Running' | 'Stopped' | undefined {
  if (apiPhase === 'Stopping' && ACTIVE.includes(crPhase ?? 'Pending')) return 'Stopped';
  if (apiPhase === 'Pending' && crPhase !== undefined && FINISHED.includes(crPhase)) return 'Running';
  return undefined;
}

/** JSON with sorted keys, so equal values compare equal whatever the key order the API holds. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sameJsonText(held: string | undefined, wanted: unknown): boolean {
  if (held === undefined) return false;
  try {
    return canonicalJson(JSON.parse(held)) === canonicalJson(wanted);
  } catch {
    return false;
  }
}

/**
 * The `PATCH /sessions/{id}/status` body that brings the API to the CR, or undefined when the API
 * already holds every value (times compared at µs, JSON by value). This is the echo suppression: it
 * needs no memory, so an idle system writes nothing and a replayed event writes nothing again.
 */
export function statusWriteBack(cr: SessionCrView, api: ApiSession): SessionStatusPatch | undefined {
  const status = cr.status ?? {};
  const patch: SessionStatusPatch = {};
  const setString = (key: 'kube_cr_uid' | 'kube_namespace' | 'sdk_session_id', value: string | undefined) => {
    if (value !== undefined && value !== '' && api[key] !== value) patch[key] = value;
  };
  setString('kube_cr_uid', cr.metadata.uid);
  setString('kube_namespace', cr.metadata.namespace);
  setString('sdk_session_id', status.sdkSessionId);
  if (status.phase && status.phase !== api.phase && !pendingPhaseRequest(api.phase, status.phase))
    patch.phase = status.phase;
  if (status.startTime && !sameMicros(api.start_time, status.startTime)) patch.start_time = status.startTime;
  if (status.completionTime && !sameMicros(api.completion_time, status.completionTime))
    patch.completion_time = status.completionTime;
  if (status.sdkRestartCount !== undefined && status.sdkRestartCount !== api.sdk_restart_count)
    patch.sdk_restart_count = status.sdkRestartCount;
  const jsonFields = [
    ['conditions', status.conditions],
    ['reconciled_repos', status.reconciledRepos],
    ['reconciled_workflow', status.reconciledWorkflow],
  ] as const;
  for (const [key, value] of jsonFields) {
    if (value !== undefined && !sameJsonText(api[key], value)) patch[key] = JSON.stringify(value);
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** The condition type that reports why an API session cannot be mapped onto a CR. */
export const INVALID_SPEC_CONDITION = 'Reconciled';

/**
 * A mapping failure reported on the API session: phase Failed and one condition naming the problems;
 * undefined when the API already says so (the failure is written once, not on every event).
 */
export function invalidSessionWriteBack(
  api: ApiSession,
  problems: readonly string[],
): SessionStatusPatch | undefined {
  const conditions = [
    { type: INVALID_SPEC_CONDITION, status: 'False', reason: 'InvalidSpec', message: problems.join('; ') },
  ];
  const patch: SessionStatusPatch = {};
  if (api.phase !== 'Failed') patch.phase = 'Failed';
  if (!sameJsonText(api.conditions, conditions)) patch.conditions = JSON.stringify(conditions);
  return Object.keys(patch).length > 0 ? patch : undefined;
}
