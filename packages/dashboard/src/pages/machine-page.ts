import { taskSvg, userDeploymentSvg, workflowSvg } from '@ambient-operator/machines';
import { buildMachineDiagram } from '../machine-diagram.js';
import type { MachineCounts } from '../machine-counts.js';
import { formatTimestamp } from '../format.js';
import { html, rawHtml } from '../html.js';
import { errorBox } from './components.js';
import { renderPage } from './layout.js';

/** How often the page asks `/api/machine` for fresh counts, in milliseconds. */
export const MACHINE_POLL_INTERVAL_MS = 2000;
export const MACHINE_SCRIPT_PATH = '/assets/machine.js';

export function renderMachinePage(counts: MachineCounts): string {
  const diagram = buildMachineDiagram(counts);
  const phaseRows = Object.entries(counts.phases).map(
    ([phase, n]) =>
      html`<tr>
        <th scope="row">${phase}</th>
        <td class="num" data-phase="${phase}">${n}</td>
      </tr>`,
  );
  const transitionRows = counts.transitions.map(
    (t) =>
      html`<tr>
        <td>${t.from}</td>
        <td>${t.to}</td>
        <td class="num" data-from="${t.from}" data-to="${t.to}">${t.count}</td>
      </tr>`,
  );
  const body = html`<h1>Phase model</h1>
    <p class="note">
      The session phase model drawn from the machine definition (@ambient-operator/machines), with live
      counts: a blue pill on each phase is the number of sessions in it now; “×n” beside a transition’s number
      is how often it happened. Updated every ${MACHINE_POLL_INTERVAL_MS / 1000} s; last update
      <time id="updated" datetime="${new Date(counts.sessionsFetchedAt).toISOString()}"
        >${formatTimestamp(counts.sessionsFetchedAt)}</time
      >.
    </p>
    <div id="machine-error">${errorBox(counts.error)}</div>
    <p class="note" id="transition-source" data-kind="${counts.transitionSource.kind}">
      ${counts.transitionSource.note}
    </p>
    <div class="diagram">${rawHtml(diagram.svg)}</div>
    <h2>Sessions per phase</h2>
    <table>
      <caption>
        Sessions per phase (<span id="total-sessions">${counts.totalSessions}</span>
        in all;
        <span id="no-phase">${counts.noPhase}</span>
        without a phase yet)
      </caption>
      <thead>
        <tr>
          <th scope="col">Phase</th>
          <th scope="col" class="num">Sessions</th>
        </tr>
      </thead>
      <tbody>
        ${phaseRows}
      </tbody>
    </table>
    <h2>Transitions</h2>
    <table>
      <caption>
        Phase transitions by (from, to)
      </caption>
      <thead>
        <tr>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col" class="num">Count</th>
        </tr>
      </thead>
      <tbody>
        ${transitionRows}
      </tbody>
    </table>
    <h2 id="agent-task">AgentTask</h2>
    <p class="note">
      One agent run as a Job: exit 0 → Succeeded, non-zero → Failed, past timeoutSeconds → Timeout. Counts:
      <code>ambient_task_phase_transitions_total</code> on the workers' /metrics.
    </p>
    <div class="diagram">${rawHtml(taskSvg())}</div>
    <h2 id="workflow">Workflow</h2>
    <p class="note">
      AgentTasks in sequence, each step's task created once the step before it succeeded; the first failed
      step fails the workflow. Counts: <code>ambient_workflow_phase_transitions_total</code>.
    </p>
    <div class="diagram">${rawHtml(workflowSvg())}</div>
    <h2 id="user-deployment">UserDeployment</h2>
    <p class="note">
      A long-lived application from a template: Provisioning until every Deployment runs the desired spec with
      its replicas ready, Running, Degraded when replicas are lost; deletion (or
      <code>desiredState: deleted</code>) tears the children down behind a finalizer. Counts:
      <code>ambient_user_deployment_phase_transitions_total</code>.
    </p>
    <div class="diagram">${rawHtml(userDeploymentSvg())}</div>`;
  return renderPage({ title: 'Phase model', current: 'machine', scripts: [MACHINE_SCRIPT_PATH] }, body);
}

/**
 * The page's only script (served from this origin): polls /api/machine and updates every element carrying
 * `data-phase` or `data-from`/`data-to`. It writes text only (textContent), never markup.
 */
export const MACHINE_SCRIPT = `'use strict';
(function () {
  var POLL_MS = ${MACHINE_POLL_INTERVAL_MS};
  function setText(el, text) { if (el && el.textContent !== text) el.textContent = text; }
  function apply(data) {
    document.querySelectorAll('[data-phase]').forEach(function (el) {
      var n = data.phases[el.getAttribute('data-phase')] || 0;
      setText(el, (el.getAttribute('data-prefix') || '') + n);
    });
    var byPair = {};
    data.transitions.forEach(function (t) { byPair[t.from + '->' + t.to] = t.count; });
    document.querySelectorAll('[data-from][data-to]').forEach(function (el) {
      var n = byPair[el.getAttribute('data-from') + '->' + el.getAttribute('data-to')] || 0;
      setText(el, (el.getAttribute('data-prefix') || '') + n);
      el.classList.toggle('zero', n === 0);
    });
    setText(document.getElementById('total-sessions'), String(data.totalSessions));
    setText(document.getElementById('no-phase'), String(data.noPhase));
    var source = document.getElementById('transition-source');
    setText(source, data.transitionSource.note);
    var updated = document.getElementById('updated');
    var when = new Date(data.sessionsFetchedAt).toISOString();
    updated.setAttribute('datetime', when);
    setText(updated, when.replace('T', ' ').replace(/\\.\\d{3}Z$/, 'Z'));
    showError(data.error);
  }
  function showError(message) {
    var box = document.getElementById('machine-error');
    if (!message) { box.replaceChildren(); return; }
    var p = document.createElement('p');
    p.className = 'error';
    p.setAttribute('role', 'alert');
    p.textContent = message;
    box.replaceChildren(p);
  }
  function poll() {
    fetch('/api/machine', { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) {
        if (!res.ok) throw new Error('GET /api/machine: HTTP ' + res.status);
        return res.json();
      })
      .then(apply, function (err) { showError('Live update failed: ' + err.message); })
      .finally(function () { setTimeout(poll, POLL_MS); });
  }
  setTimeout(poll, POLL_MS);
})();
`;
