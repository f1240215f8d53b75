/**
 * Timestamps in status are RFC 3339 in UTC, with milliseconds when they are not zero: runs are
 * told apart by their startTime, and two runs can start within one second. Go's RFC 3339 parser
 * (the upstream backend) accepts the fraction. All arithmetic is in epoch milliseconds.
 */
export function toTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Epoch ms of an RFC 3339 timestamp, or undefined when absent or unparseable. */
export function parseTimestamp(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The first check-point after `nowMs` of an exponential schedule that starts at `startMs`:
 * start + base, then gaps doubling up to `maxMs`. Stateless: the schedule is a function of
 * the start time, so any worker computes the same next check.
 */
export function nextBackoffCheckpoint(startMs: number, nowMs: number, baseMs: number, maxMs: number): number {
  let gap = Math.max(1, Math.min(baseMs, maxMs));
  let at = startMs + gap;
  while (at <= nowMs && gap < maxMs) {
    gap = Math.min(gap * 2, maxMs);
    at += gap;
  }
  if (at <= nowMs) at += Math.ceil((nowMs - at + 1) / gap) * gap;
  return at;
}
