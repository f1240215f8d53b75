import { formatRelative, formatTimestamp } from '../format.js';
import { html, type SafeHtml } from '../html.js';

/** Path of a session's page; both parts are URL-encoded. */
export function sessionPath(namespace: string, name: string): string {
  return `/sessions/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

export function phaseBadge(phase: string | undefined): SafeHtml {
  if (phase === undefined) return html`<span class="phase">(none yet)</span>`;
  // The class only takes a known-safe form of the phase; the text is escaped as always.
  const cls = /^[A-Za-z]+$/.test(phase) ? `phase phase-${phase}` : 'phase';
  return html`<span class="${cls}">${phase}</span>`;
}

/** A `<time>` with the absolute UTC time and, after it, how long ago / until. */
export function timeCell(value: number | string | undefined, now: number): SafeHtml {
  if (value === undefined) return html`<span class="note">—</span>`;
  const iso = typeof value === 'number' ? new Date(value).toISOString() : value;
  return html`<time datetime="${iso}">${formatTimestamp(value)}</time>
    <span class="note">(${formatRelative(value, now)})</span>`;
}

export function errorBox(message: string | undefined): SafeHtml {
  return message === undefined ? html`` : html`<p class="error" role="alert">${message}</p>`;
}
