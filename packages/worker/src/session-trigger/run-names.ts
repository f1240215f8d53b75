// Names and display names of scheduled runs (contract §8.3, upstream's trigger_test).

const MAX_PREFIX_LENGTH = 40;

/**
 * A name prefix from a display or schedule name: lowercase, each run of other characters one `-` (none at the
 * start), at most 40 characters, no trailing `-`; `run` when nothing is left. 40 keeps `session-<prefix>-<10-digit
 * unix time>` (the run's Service) within 63 characters.
 */
export function sanitizeRunName(value: string): string {
  let out = '';
  // ASCII only, like upstream's byte loop: `É` or `İ` is a separator, not a letter.
  for (const ch of value) {
    if (/^[a-z0-9]$/.test(ch)) out += ch;
    else if (/^[A-Z]$/.test(ch)) out += ch.toLowerCase();
    else if (out !== '' && !out.endsWith('-')) out += '-';
  }
  out = out.slice(0, MAX_PREFIX_LENGTH).replace(/-+$/, '');
  return out === '' ? 'run' : out;
}

/** `<sanitize(displayName || scheduledName)>-<unix seconds>`. */
export function scheduledRunName(input: {
  displayName?: string;
  scheduledSessionName: string;
  nowMs: number;
}): string {
  const base = input.displayName ? input.displayName : input.scheduledSessionName;
  return `${sanitizeRunName(base)}-${Math.floor(input.nowMs / 1000)}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `<displayName> (Jan 2, 2006 - 15:04:05)` in UTC, as upstream's Go layout prints it. */
export function displayNameWithRunTime(displayName: string, nowMs: number): string {
  const d = new Date(nowMs);
  const stamp =
    `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()} - ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${displayName} (${stamp})`;
}

/** RFC 3339 in UTC with second precision (what `start-requested-at` holds). */
export function rfc3339Seconds(nowMs: number): string {
  return new Date(Math.floor(nowMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
