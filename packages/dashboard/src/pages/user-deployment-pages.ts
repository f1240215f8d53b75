import { html } from '../html.js';
import type { UserDeploymentItem } from '../user-deployments.js';
import { phaseBadge, timeCell } from './components.js';
import { renderPage } from './layout.js';

export function userDeploymentPath(namespace: string, name: string): string {
  return `/user-deployments/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

function readyCount(item: UserDeploymentItem): string {
  const services = item.status?.services ?? [];
  if (services.length === 0) return '';
  const ready = services.filter((s) => (s.readyReplicas ?? 0) >= (s.replicas ?? 0)).length;
  return `${ready}/${services.length}`;
}

export function renderUserDeploymentsPage(items: readonly UserDeploymentItem[]): string {
  const rows = items.map(
    (u) =>
      html`<tr>
        <td>${u.namespace}</td>
        <td><a href="${userDeploymentPath(u.namespace, u.name)}">${u.name}</a></td>
        <td>${phaseBadge(u.status?.phase)}</td>
        <td>${u.spec?.desiredState ?? ''}</td>
        <td><code>${u.status?.namespace ?? ''}</code></td>
        <td class="num">${readyCount(u)}</td>
        <td>${(u.status?.urls ?? []).map((l) => html`<a href="${l.url}">${l.url}</a> `)}</td>
      </tr>`,
  );
  const body = html`<h1>UserDeployments</h1>
    <table>
      <caption>
        ${items.length} UserDeployment${items.length === 1 ? '' : 's'} in all namespaces
      </caption>
      <thead>
        <tr>
          <th scope="col">Namespace</th>
          <th scope="col">Name</th>
          <th scope="col">Phase</th>
          <th scope="col">Desired</th>
          <th scope="col">Target namespace</th>
          <th scope="col" class="num">Services ready</th>
          <th scope="col">URLs</th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length > 0
            ? rows
            : html`<tr>
                <td colspan="7">No user deployments.</td>
              </tr>`
        }
      </tbody>
    </table>`;
  return renderPage({ title: 'UserDeployments', current: 'user-deployments' }, body);
}

export function renderUserDeploymentPage(u: UserDeploymentItem, now: number): string {
  const s = u.status;
  const urls = new Map((s?.urls ?? []).map((l) => [l.service, l]));
  const body = html`<h1>UserDeployment ${u.namespace}/${u.name}</h1>
    <dl>
      <dt>Phase</dt>
      <dd>${phaseBadge(s?.phase)}</dd>
      <dt>Desired state</dt>
      <dd>${u.spec?.desiredState ?? ''}</dd>
      <dt>Template</dt>
      <dd><code>ConfigMap ${u.namespace}/${u.spec?.template.configMapRef.name ?? ''}</code></dd>
      <dt>Target namespace</dt>
      <dd><code>${s?.namespace ?? ''}</code></dd>
      <dt>In this phase since</dt>
      <dd>${timeCell(s?.phaseTransitionTime, now)}</dd>
      <dt>Observed generation</dt>
      <dd>${s?.observedGeneration ?? ''}</dd>
    </dl>
    <h2>Services</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col">Image</th>
          <th scope="col" class="num">Ready</th>
          <th scope="col" class="num">Updated</th>
          <th scope="col">URL</th>
        </tr>
      </thead>
      <tbody>
        ${(s?.services ?? []).map((svc) => {
          const link = urls.get(svc.name);
          return html`<tr>
            <td>${svc.name}</td>
            <td><code>${svc.image ?? ''}</code></td>
            <td class="num">${svc.readyReplicas ?? 0}/${svc.replicas ?? 0}</td>
            <td class="num">${svc.updatedReplicas ?? 0}</td>
            <td>${link ? html`<a href="${link.url}">${link.url}</a> (${link.exposure})` : ''}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    <h2>Conditions</h2>
    <table>
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Status</th>
          <th scope="col">Reason</th>
          <th scope="col">Message</th>
          <th scope="col">Since</th>
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
              <td>${timeCell(c.lastTransitionTime, now)}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
  return renderPage({ title: `UserDeployment ${u.name}`, current: 'user-deployments' }, body);
}
