import type { ConditionStatus, ConditionType, SessionCondition } from './session-status.js';
import { toTimestamp } from './time.js';

/** A condition to set; `lastTransitionTime` is computed by {@link setCondition}. */
export interface ConditionUpdate<T extends string = ConditionType> {
  type: T;
  status: ConditionStatus;
  reason: string;
  message?: string;
  observedGeneration?: number;
}

function sameType(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Upserts one condition, Kubernetes style: one entry per type (matched case-insensitively, as
 * upstream does), updated in place; `lastTransitionTime` moves only when `status` changes.
 * `reason` and `message` are replaced (an absent message removes an old one, so status never shows
 * a stale message). Returns the input array itself when nothing changed, a new array otherwise;
 * later duplicates of the type, if any, are dropped.
 * @param nowMs time of the change, ms since the epoch
 */
export function setCondition<T extends string = ConditionType>(
  conditions: readonly SessionCondition[] | undefined,
  update: ConditionUpdate<T>,
  nowMs: number,
): SessionCondition[] {
  const current = conditions ?? [];
  const index = current.findIndex((c) => sameType(c.type, update.type));
  const existing = index >= 0 ? current[index] : undefined;
  const next: SessionCondition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    ...(update.message !== undefined ? { message: update.message } : {}),
    lastTransitionTime:
      existing?.status === update.status && existing.lastTransitionTime !== undefined
        ? existing.lastTransitionTime
        : toTimestamp(nowMs),
    ...(update.observedGeneration !== undefined ? { observedGeneration: update.observedGeneration } : {}),
  };
  const duplicates = current.filter((c, i) => i !== index && sameType(c.type, update.type)).length;
  if (existing !== undefined && duplicates === 0 && conditionsEqual(existing, next)) {
    return conditions as SessionCondition[];
  }
  if (existing === undefined) return [...current, next];
  return current.flatMap((c, i) => (i === index ? [next] : sameType(c.type, update.type) ? [] : [c]));
}

/** The condition of this type, if any (case-insensitive, like {@link setCondition}). */
export function findCondition(
  conditions: readonly SessionCondition[] | undefined,
  type: string,
): SessionCondition | undefined {
  return conditions?.find((c) => sameType(c.type, type));
}

function conditionsEqual(a: SessionCondition, b: SessionCondition): boolean {
  return (
    a.type === b.type &&
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.lastTransitionTime === b.lastTransitionTime &&
    a.observedGeneration === b.observedGeneration
  );
}
