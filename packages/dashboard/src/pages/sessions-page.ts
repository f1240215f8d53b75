import type { SessionListing } from '../session-cache.js';
import { formatDuration, formatRelative, toEpochMs } from '../format.js';
import { html } from '../html.js';
import { errorBox, phaseBadge, sessionPath } from './components.js';
import { renderPage } from './layout.js';

export function renderSessionsPage(listing: SessionListing, now: number): string {
  const rows = listing.sessions.map((s) => {
    const created = toEpochMs(s.createdAt);
    const t = s.lastTransition;
    return html`<tr>
      <td>${s.namespace}</td>
      <td>
        <a href="${sessionPath(s.namespace, s.name)}">${s.name}</a
        >${s.deleting ? html` <span class="note">(deleting)</span>` : ''}
      </td>
      <td>${phaseBadge(s.phase)}</td>
      <td class="num">${created === undefined ? '' : formatDuration(now - created)}</td>
      <td>
        ${t ? html`${t.from ?? 'None'} → ${t.to} <span class="note">${formatRelative(t.at, now)}</span>` : ''}
      </td>
      <td>
        ${s.ready ? html`<span class="status-${s.ready.status}">${s.ready.status}</span>${s.ready.reason ? html` <span class="note">${s.ready.reason}</span>` : ''}` : html`<span class="note">—</span>`}
      </td>
    </tr>`;
  });
  const body = html`<h1>Sessions</h1>
    ${errorBox(listing.error)}
    <p class="note">
      ${listing.sessions.length} AgenticSession${listing.sessions.length === 1 ? '' : 's'} in all
      namespaces${listing.unreadable > 0 ? `, ${listing.unreadable} unreadable left out` : ''}; listed
      ${formatRelative(listing.fetchedAt, now)} (the list is cached for a few seconds).
    </p>
    <table>
      <caption>
        AgenticSessions
      </caption>
      <thead>
        <tr>
          <th scope="col">Namespace</th>
          <th scope="col">Name</th>
          <th scope="col">Phase</th>
          <th scope="col" class="num">Age</th>
          <th scope="col">Last transition</th>
          <th scope="col">Ready</th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length > 0
            ? rows
            : html`<tr>
                <td colspan="6">No sessions.</td>
              </tr>`
        }
      </tbody>
    </table>`;
  return renderPage({ title: 'Sessions', current: 'sessions' }, body);
}
