import type { KeyQueueState, QueueJobView } from '../queue-inspector.js';
import type { ReconcileExplanation } from '../reconcile-explanation.js';
import type { ChildView, SessionChildren } from '../session-children.js';
import type { SessionSummary } from '../session-summary.js';
import { html, type SafeHtml } from '../html.js';
import { errorBox, phaseBadge, timeCell } from './components.js';
import { renderPage } from './layout.js';

/** Everything the session page shows; also the body of `/api/sessions/:ns/:name`. */
export interface SessionDetail {
  session: SessionSummary;
  children: SessionChildren;
  /** Undefined when the queue could not be read (see `queueError`). */
  queue: KeyQueueState | undefined;
  reconcile: ReconcileExplanation | undefined;
  queueError: string | undefined;
}

function childRow(child: ChildView, now: number): SafeHtml {
  const exists =
    child.exists === 'unknown'
      ? html`<span class="status-False">unknown</span> <span class="note">${child.error ?? ''}</span>`
      : child.exists
        ? html`<span class="status-True">yes</span>`
        : html`<span class="note">no</span>`;
  return html`<tr>
    <td>${child.kind}</td>
    <td class="mono">${child.name}</td>
    <td>${exists}</td>
    <td>${child.state ?? ''}</td>
    <td>${timeCell(child.createdAt, now)}</td>
  </tr>`;
}

function jobRow(label: string, job: QueueJobView | undefined, now: number): SafeHtml {
  if (!job)
    return html`<tr>
      <th scope="row">${label}</th>
      <td colspan="5" class="note">none</td>
    </tr>`;
  return html`<tr>
    <th scope="row">${label}</th>
    <td class="mono">${job.name} #${job.id}</td>
    <td>
      ${job.state}${job.failedReason ? html`: <span class="status-False">${job.failedReason}</span>` : ''}
    </td>
    <td>${job.trigger}</td>
    <td>${timeCell(job.enqueuedAt, now)}</td>
    <td>${timeCell(job.dueAt ?? job.finishedAt ?? job.startedAt, now)}</td>
  </tr>`;
}

export function renderSessionPage(detail: SessionDetail, now: number): string {
  const s = detail.session;
  const annotations = Object.entries(s.annotations);
  const q = detail.queue;
  const body = html`<h1>Session <span class="mono">${s.namespace}/${s.name}</span></h1>
    <dl class="facts">
      <dt>Phase</dt>
      <dd>
        ${phaseBadge(s.phase)}${s.deleting ? html` <span class="note">(being deleted)</span>` : ''}${s.stoppedReason ? html` <span class="note">stopped by ${s.stoppedReason}</span>` : ''}
      </dd>
      <dt>Created</dt>
      <dd>${timeCell(s.createdAt, now)}</dd>
      <dt>Started</dt>
      <dd>${timeCell(s.startTime, now)}</dd>
      <dt>Completed</dt>
      <dd>${timeCell(s.completionTime, now)}</dd>
      <dt>Generation</dt>
      <dd>
        ${s.generation ?? ''}${s.observedGeneration !== undefined ? ` (observed ${s.observedGeneration})` : ''}
      </dd>
      <dt>Runner re-creations</dt>
      <dd>${s.runnerRecreations ?? 0}</dd>
    </dl>

    <h2 id="reconcile">Reconciling</h2>
    ${errorBox(detail.queueError)}
    ${
      detail.reconcile && q
        ? html`<dl class="facts">
              <dt>Last</dt>
              <dd data-testid="reconcile-last">${detail.reconcile.last}</dd>
              <dt>Next</dt>
              <dd data-testid="reconcile-next">${detail.reconcile.next}</dd>
              <dt>Consecutive failures</dt>
              <dd>${q.failures}</dd>
            </dl>
            <table>
              <caption>
                Queue jobs of key
                <span class="mono">${q.key}</span>
              </caption>
              <thead>
                <tr>
                  <th scope="col">Role</th>
                  <th scope="col">Job</th>
                  <th scope="col">State</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Queued</th>
                  <th scope="col">Due / finished</th>
                </tr>
              </thead>
              <tbody>
                ${jobRow('Current run', q.current, now)} ${jobRow('Pending timer', q.timer, now)}
                ${jobRow('Last finished', q.lastFinished, now)}
              </tbody>
            </table>`
        : ''
    }

    <h2 id="conditions">Conditions</h2>
    <table>
      <caption>
        status.conditions
      </caption>
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Status</th>
          <th scope="col">Reason</th>
          <th scope="col">Message</th>
          <th scope="col">Last transition</th>
        </tr>
      </thead>
      <tbody>
        ${
          s.conditions.length > 0
            ? s.conditions.map(
                (c) =>
                  html`<tr>
                    <td>${c.type}</td>
                    <td class="status-${/^(True|False)$/.test(c.status) ? c.status : 'Unknown'}">
                      ${c.status}
                    </td>
                    <td>${c.reason ?? ''}</td>
                    <td>${c.message ?? ''}</td>
                    <td>${timeCell(c.lastTransitionTime, now)}</td>
                  </tr>`,
              )
            : html`<tr>
                <td colspan="5">No conditions yet.</td>
              </tr>`
        }
      </tbody>
    </table>

    <h2 id="children">Children</h2>
    <table>
      <caption>
        Objects the operator creates for this session (names and state only; no secret data is read)
      </caption>
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">Name</th>
          <th scope="col">Exists</th>
          <th scope="col">State</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        ${childRow(detail.children.runnerJob, now)}
        ${
          detail.children.pods.length > 0
            ? detail.children.pods.map((p) => childRow(p, now))
            : html`<tr>
                <td>Pod</td>
                <td class="mono">agentic-session=${s.name}</td>
                <td><span class="note">no</span></td>
                <td></td>
                <td></td>
              </tr>`
        }
        ${childRow(detail.children.service, now)} ${childRow(detail.children.tokenSecret, now)}
      </tbody>
    </table>

    <h2 id="history">Transition history</h2>
    <table>
      <caption>
        status.phaseHistory (newest last, at most 20 kept)
      </caption>
      <thead>
        <tr>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col">At</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        ${
          s.phaseHistory.length > 0
            ? s.phaseHistory.map(
                (h) =>
                  html`<tr>
                    <td>${h.from || 'None'}</td>
                    <td>${h.to}</td>
                    <td>${timeCell(h.at, now)}</td>
                    <td>${h.reason ?? ''}</td>
                  </tr>`,
              )
            : html`<tr>
                <td colspan="4">No transitions recorded.</td>
              </tr>`
        }
      </tbody>
    </table>

    <h2 id="annotations">Annotations</h2>
    <table>
      <caption>
        metadata.annotations
      </caption>
      <thead>
        <tr>
          <th scope="col">Key</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        ${
          annotations.length > 0
            ? annotations.map(
                ([k, v]) =>
                  html`<tr>
                    <td class="mono">${k}</td>
                    <td class="mono">${v}</td>
                  </tr>`,
              )
            : html`<tr>
                <td colspan="2">None.</td>
              </tr>`
        }
      </tbody>
    </table>`;
  return renderPage({ title: `${s.namespace}/${s.name}`, current: 'sessions' }, body);
}

/** A page that only says something (not found, failed). */
export function renderMessagePage(title: string, text: string): string {
  return renderPage(
    { title },
    html`<h1>${title}</h1>
      <p>${text}</p>
      <p><a href="/sessions">All sessions</a></p>`,
  );
}
