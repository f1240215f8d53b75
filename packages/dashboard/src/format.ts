/** Display helpers shared by the pages. */

/** A duration the way kubectl prints ages: 45s, 12m, 3h4m, 5d. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  return `${Math.floor(h / 24)}d`;
}

/** Epoch milliseconds or RFC 3339 text → epoch milliseconds, undefined when absent or unparsable. */
export function toEpochMs(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** `2026-05-01 12:00:03Z`, or the raw text when it is not a time. */
export function formatTimestamp(value: number | string | undefined): string {
  const ms = toEpochMs(value);
  if (ms === undefined) return value === undefined ? '' : String(value);
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** "3m ago" / "in 4m" relative to `now`. */
export function formatRelative(value: number | string | undefined, now: number): string {
  const ms = toEpochMs(value);
  if (ms === undefined) return '';
  return ms <= now ? `${formatDuration(now - ms)} ago` : `in ${formatDuration(ms - now)}`;
}
