import type { SessionStatus, SessionStatusPatch } from './session-status.js';

/** A JSON merge patch of a status object: a field set to null is removed. */
export type StatusPatch<S> = { [K in keyof S]?: S[K] | null };

/** Structural equality of JSON-like values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(aRecord), ...Object.keys(bRecord)]);
  for (const key of keys) {
    if (!jsonEqual(aRecord[key], bRecord[key])) return false;
  }
  return true;
}

/**
 * The merge patch that turns `before` into `after`: changed fields with their new value, removed
 * fields as null, unchanged fields left out. `{}` means there is nothing to write.
 */
export function diffStatus(before: SessionStatus | undefined, after: SessionStatus): SessionStatusPatch {
  return diffTopLevel(before, after) as SessionStatusPatch;
}

/** {@link diffStatus} for any status shape (the UserDeployment model uses it too). */
export function diffTopLevel(before: object | undefined, after: object): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const previous = (before ?? {}) as Record<string, unknown>;
  const next = after as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(previous), ...Object.keys(next)])].sort();
  for (const key of keys) {
    const was = previous[key];
    const is = next[key];
    if (jsonEqual(was, is)) continue;
    if (is === undefined) {
      if (was !== undefined) patch[key] = null;
    } else {
      patch[key] = is;
    }
  }
  return patch;
}

/** Applies a merge patch to a status the way the API server does (null deletes). */
export function applyStatusPatch<S extends object = SessionStatus>(
  status: S | undefined,
  patch: StatusPatch<S>,
): S {
  const result: Record<string, unknown> = { ...(status ?? {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = value;
  }
  return result as S;
}
