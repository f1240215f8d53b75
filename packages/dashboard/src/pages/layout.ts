import { html, rawHtml, type HtmlValue, type SafeHtml } from '../html.js';

const CSS = `
:root { color-scheme: light; --fg:#1a202c; --muted:#4a5568; --line:#cbd5e0; --accent:#2c5282; --bad:#9b2c2c; --ok:#276749; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: #f7fafc; }
header { background: var(--accent); color: #fff; padding: .6rem 1.2rem; display: flex; gap: 1.5rem; align-items: baseline; flex-wrap: wrap; }
header .brand { font-weight: 700; }
header nav a { color: #fff; margin-right: 1rem; text-decoration: none; }
header nav a[aria-current="page"] { text-decoration: underline; text-underline-offset: 4px; }
main { padding: 1rem 1.2rem 2rem; max-width: 1400px; }
h1 { font-size: 1.4rem; margin: .3rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
a { color: var(--accent); }
table { border-collapse: collapse; background: #fff; margin: .3rem 0 1rem; min-width: 40%; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; color: var(--muted); }
th, td { border: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #edf2f7; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; background: #fff; padding: .7rem 1rem; border: 1px solid var(--line); max-width: 1000px; }
dl.facts dt { font-weight: 600; color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.phase { display: inline-block; padding: 0 .5rem; border-radius: .7rem; background: #e2e8f0; font-weight: 600; }
.phase-Running, .phase-Completed { background: #c6f6d5; }
.phase-Failed { background: #fed7d7; }
.phase-Creating, .phase-Pending, .phase-Stopping { background: #feebc8; }
.status-True { color: var(--ok); font-weight: 600; }
.status-False { color: var(--bad); font-weight: 600; }
.note { color: var(--muted); max-width: 1000px; }
.error { background: #fff5f5; border: 1px solid var(--bad); color: var(--bad); padding: .5rem .8rem; max-width: 1000px; }
.diagram { background: #fff; border: 1px solid var(--line); overflow: auto; }
svg.machine { max-width: 100%; height: auto; display: block; }
svg.machine text.live-count.zero { opacity: .35; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
`;

export type NavItem =
  'sessions' | 'tasks' | 'workflows' | 'user-deployments' | 'machine' | 'api-source' | 'queues';

export interface PageOptions {
  title: string;
  current?: NavItem;
  /** Same-origin script URLs (the pages never load anything from elsewhere). */
  scripts?: string[];
}

function navLink(href: string, label: string, item: NavItem, current: NavItem | undefined): SafeHtml {
  return current === item
    ? html`<a href="${href}" aria-current="page">${label}</a>`
    : html`<a href="${href}">${label}</a>`;
}

export function renderPage(options: PageOptions, body: HtmlValue): string {
  const c = options.current;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · ambient operator</title>
        <style>
          ${rawHtml(CSS)}
        </style>
        ${(options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
      </head>
      <body>
        <header>
          <span class="brand">ambient operator</span>
          <nav aria-label="Main">
            ${navLink('/sessions', 'Sessions', 'sessions', c)}${navLink('/tasks', 'Tasks', 'tasks', c)}${navLink('/workflows', 'Workflows', 'workflows', c)}${navLink('/user-deployments', 'Deployments', 'user-deployments', c)}${navLink('/machine', 'Phase model', 'machine', c)}${navLink('/api-source', 'API source', 'api-source', c)}${navLink('/queues', 'Queues', 'queues', c)}
          </nav>
        </header>
        <main>${body}</main>
      </body>
    </html> `.value;
}
