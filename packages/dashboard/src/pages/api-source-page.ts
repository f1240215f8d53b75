import type { ApiSourceStatus, ApiSourceWatcherView } from '../api-source-status.js';
import { html } from '../html.js';
import { errorBox, timeCell } from './components.js';
import { renderPage } from './layout.js';

function watcherTable(w: ApiSourceWatcherView, now: number) {
  return html`<table data-watcher="${w.url}">
    <caption>
      ${w.leader ? 'Leader' : 'Standby'} watcher
      <code>${w.url}</code>
    </caption>
    <thead>
      <tr>
        <th scope="col">Resource</th>
        <th scope="col">Stream</th>
        <th scope="col" class="num">Events</th>
        <th scope="col">Last event</th>
        <th scope="col" class="num">Relists</th>
        <th scope="col">Last relist</th>
        <th scope="col" class="num">Reconnects</th>
        <th scope="col" class="num">Errors</th>
        <th scope="col">Last error</th>
      </tr>
    </thead>
    <tbody>
      ${w.streams.map(
        (s) =>
          html`<tr data-resource="${s.resource}">
            <td>${s.resource}</td>
            <td class="${s.connected ? 'status-True' : 'status-False'}">
              ${s.connected ? 'connected' : 'disconnected'}
            </td>
            <td class="num">${s.events}</td>
            <td>${timeCell(s.lastEventAt, now)}</td>
            <td class="num">${s.relists}</td>
            <td>${timeCell(s.lastRelistAt, now)}</td>
            <td class="num">${s.reconnects}</td>
            <td class="num">${s.errors}</td>
            <td>
              ${
                s.lastError
                  ? html`${s.lastError.stage}: <code>${s.lastError.message}</code
                      ><br />${timeCell(s.lastError.at, now)}`
                  : html`<span class="note">—</span>`
              }
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** The ambient-api-server source: one table per watcher, a row per watched resource. */
export function renderApiSourcePage(status: ApiSourceStatus, now: number): string {
  const failures = status.failedUrls.map((f) => `${f.url}: ${f.error}`).join('; ');
  const body = html`<h1>ambient-api-server source</h1>
    <p class="note">
      Read from the watchers’ /metrics (<code>ambient_watcher_api_*</code>) at
      ${timeCell(status.fetchedAt, now)}. Every watcher replica holds its own streams; the leader also
      resyncs. A relist follows every reconnect, so a change made while a stream was down is still reconciled.
    </p>
    ${errorBox(failures ? `Not answering: ${failures}` : undefined)}
    ${
      status.watchers.length > 0
        ? status.watchers.map((w) => watcherTable(w, now))
        : html`<p>
            No scraped process runs an api-server source (the watcher reads one when
            <code>AMBIENT_API_SERVER_URL</code> is set, and the dashboard needs its /metrics URL in
            <code>--metrics-url</code> / <code>DASHBOARD_METRICS_URLS</code>).
          </p>`
    }`;
  return renderPage({ title: 'api-server source', current: 'api-source' }, body);
}
