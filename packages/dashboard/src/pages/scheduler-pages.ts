import { taskJobName } from '@ambient-operator/shared';
import { formatDuration, toEpochMs } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import type { TaskItem, WorkflowItem } from '../scheduler-objects.js';
import { phaseBadge, timeCell } from './components.js';
import { renderPage } from './layout.js';

export function taskPath(namespace: string, name: string): string {
  return `/tasks/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}
export function workflowPath(namespace: string, name: string): string {
  return `/workflows/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

/** startTime → completionTime (or → now while running). */
function runTime(start: string | undefined, end: string | undefined, now: number): string {
  const from = toEpochMs(start);
  if (from === undefined) return '';
  return formatDuration((toEpochMs(end) ?? now) - from);
}

function outputTable(output: Record<string, string> | undefined): SafeHtml {
  const entries = Object.entries(output ?? {});
  if (entries.length === 0) return html`<span class="note">none</span>`;
  return html`<table>
    <tbody>
      ${entries.map(
        ([k, v]) =>
          html`<tr>
            <th scope="row">${k}</th>
            <td><code>${v}</code></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function renderTasksPage(tasks: readonly TaskItem[], now: number): string {
  const rows = tasks.map(
    (t) =>
      html`<tr>
        <td>${t.namespace}</td>
        <td><a href="${taskPath(t.namespace, t.name)}">${t.name}</a></td>
        <td>${phaseBadge(t.status?.phase)}</td>
        <td>
          ${t.workflow ? html`<a href="${workflowPath(t.namespace, t.workflow)}">${t.workflow}</a>` : ''}
        </td>
        <td class="num">${runTime(t.status?.startTime, t.status?.completionTime, now)}</td>
        <td>${t.status?.message ?? ''}</td>
      </tr>`,
  );
  const body = html`<h1>AgentTasks</h1>
    <table>
      <caption>
        ${tasks.length} AgentTask${tasks.length === 1 ? '' : 's'} in all namespaces
      </caption>
      <thead>
        <tr>
          <th scope="col">Namespace</th>
          <th scope="col">Name</th>
          <th scope="col">Phase</th>
          <th scope="col">Workflow</th>
          <th scope="col" class="num">Run time</th>
          <th scope="col">Message</th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length > 0
            ? rows
            : html`<tr>
                <td colspan="6">No tasks.</td>
              </tr>`
        }
      </tbody>
    </table>`;
  return renderPage({ title: 'AgentTasks', current: 'tasks' }, body);
}

export function renderTaskPage(t: TaskItem, now: number): string {
  const s = t.status;
  const body = html`<h1>AgentTask ${t.namespace}/${t.name}</h1>
    <dl>
      <dt>Phase</dt>
      <dd>${phaseBadge(s?.phase)}</dd>
      <dt>Message</dt>
      <dd>${s?.message ?? ''}</dd>
      <dt>Job</dt>
      <dd><code>${s?.jobName ?? taskJobName(t.name)}</code></dd>
      <dt>Started</dt>
      <dd>${timeCell(s?.startTime, now)}</dd>
      <dt>Finished</dt>
      <dd>${timeCell(s?.completionTime, now)}</dd>
      <dt>Run time</dt>
      <dd>${runTime(s?.startTime, s?.completionTime, now)}</dd>
      <dt>Timeout</dt>
      <dd>${t.spec ? `${t.spec.timeoutSeconds} s` : ''}</dd>
      ${
        t.workflow
          ? html`<dt>Workflow</dt>
              <dd><a href="${workflowPath(t.namespace, t.workflow)}">${t.workflow}</a></dd>`
          : ''
      }
    </dl>
    <h2>Prompt</h2>
    <pre>${t.spec?.prompt ?? ''}</pre>
    <h2>Output</h2>
    ${outputTable(s?.output)}
    <h2>Conditions</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Status</th>
          <th scope="col">Reason</th>
          <th scope="col">Message</th>
        </tr>
      </thead>
      <tbody>
        ${(s?.conditions ?? []).map(
          (c) =>
            html`<tr>
              <td>${c.type}</td>
              <td>${c.status}</td>
              <td>${c.reason ?? ''}</td>
              <td>${c.message ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  return renderPage({ title: `AgentTask ${t.name}`, current: 'tasks' }, body);
}

export function renderWorkflowsPage(workflows: readonly WorkflowItem[]): string {
  const rows = workflows.map(
    (w) =>
      html`<tr>
        <td>${w.namespace}</td>
        <td><a href="${workflowPath(w.namespace, w.name)}">${w.name}</a></td>
        <td>${phaseBadge(w.status?.phase)}</td>
        <td class="num">${w.status?.currentStep ?? ''} / ${w.spec?.steps.length ?? ''}</td>
        <td>${w.status?.message ?? ''}</td>
      </tr>`,
  );
  const body = html`<h1>Workflows</h1>
    <table>
      <caption>
        ${workflows.length} Workflow${workflows.length === 1 ? '' : 's'} in all namespaces
      </caption>
      <thead>
        <tr>
          <th scope="col">Namespace</th>
          <th scope="col">Name</th>
          <th scope="col">Phase</th>
          <th scope="col" class="num">Step</th>
          <th scope="col">Message</th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length > 0
            ? rows
            : html`<tr>
                <td colspan="5">No workflows.</td>
              </tr>`
        }
      </tbody>
    </table>`;
  return renderPage({ title: 'Workflows', current: 'workflows' }, body);
}

export function renderWorkflowPage(w: WorkflowItem, now: number): string {
  const recorded = w.status?.steps ?? [];
  const names = w.spec?.steps.map((s) => s.name) ?? recorded.map((s) => s.name);
  const rows = names.map((name, i) => {
    const s = recorded[i];
    return html`<tr${i === w.status?.currentStep ? html` aria-current="step"` : ''}>
      <td class="num">${i}</td>
      <td>${name}</td>
      <td>${phaseBadge(s?.phase)}</td>
      <td>${s?.taskName ? html`<a href="${taskPath(w.namespace, s.taskName)}">${s.taskName}</a>` : ''}</td>
      <td>${timeCell(s?.startTime, now)}</td>
      <td class="num">${runTime(s?.startTime, s?.completionTime, now)}</td>
      <td>${outputTable(s?.output)}</td>
      <td>${s?.message ?? ''}</td>
    </tr>`;
  });
  const body = html`<h1>Workflow ${w.namespace}/${w.name}</h1>
    <dl>
      <dt>Phase</dt>
      <dd>${phaseBadge(w.status?.phase)}</dd>
      <dt>Current step</dt>
      <dd>${w.status?.currentStep ?? ''}</dd>
      <dt>Message</dt>
      <dd>${w.status?.message ?? ''}</dd>
    </dl>
    <table>
      <caption>
        Steps (a step's task is created when the step before it succeeded)
      </caption>
      <thead>
        <tr>
          <th scope="col" class="num">#</th>
          <th scope="col">Step</th>
          <th scope="col">Phase</th>
          <th scope="col">Task</th>
          <th scope="col">Started</th>
          <th scope="col" class="num">Run time</th>
          <th scope="col">Output</th>
          <th scope="col">Message</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>`;
  return renderPage({ title: `Workflow ${w.name}`, current: 'workflows' }, body);
}
