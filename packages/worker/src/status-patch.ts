/**
 * Composes two JSON merge patches (RFC 7386) into one that has the effect of applying `first`, then
 * `second`: objects merge recursively, anything else in `second` (a value, an array, null) wins.
 */
export function composeMergePatches<T extends Record<string, unknown>>(first: T, second: T): T {
  const result: Record<string, unknown> = { ...first };
  for (const [key, value] of Object.entries(second)) {
    const before = result[key];
    result[key] = isPlainObject(before) && isPlainObject(value) ? composeMergePatches(before, value) : value;
  }
  return result as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
