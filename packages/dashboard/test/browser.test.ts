// A real headless Chromium (Debian's /usr/bin/chromium) drives the dashboard through playwright-core: the pages
// render, links lead where they should, and /machine's counts follow a status change in kube-sim on their own;
// /api-source shows a real watcher's ambient-api-server streams (api-sim).
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Dashboard } from '@ambient-operator/dashboard';
import { iso, startApiSourceWatcher, startWorld, type ApiSourceWorld, type World } from './harness.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../test-artifacts/dashboard',
);
const AUTH = { username: 'viewer', password: 'browser-test' };

let world: World;
let apiSource: ApiSourceWorld;
let dashboard: Dashboard;
let browser: Browser;
let context: BrowserContext;
/** Requests our pages made to anything but the dashboard itself (there must be none). */
const foreignRequests: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  world = await startWorld(['demo']);
  await world.createSession('demo', 'alpha', {
    annotations: { 'ambient-code.io/created-by': '<img src=x onerror=alert(1)>' },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True', reason: 'RunnerReady', lastTransitionTime: iso(30_000) }],
      phaseHistory: [
        { to: 'Pending', at: iso(60_000) },
        { from: 'Pending', to: 'Creating', at: iso(50_000) },
        { from: 'Creating', to: 'Running', at: iso(30_000) },
      ],
    },
  });
  await world.createSession('demo', 'beta', {
    status: { phase: 'Pending', phaseHistory: [{ to: 'Pending', at: iso(20_000) }] },
  });
  await world.queue.enqueue('demo/alpha');
  await world.queue.enqueue('demo/beta');
  apiSource = await startApiSourceWatcher(world);
  dashboard = await world.startDashboard({
    auth: AUTH,
    metricsUrls: [apiSource.metricsUrl],
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context = await browser.newContext({ httpCredentials: AUTH, viewport: { width: 1400, height: 1000 } });
  const origin = new URL(dashboard.url).origin;
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    foreignRequests.push(url);
    return route.abort();
  });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await apiSource?.stop();
  await world?.stop();
});

/** Script errors and dialogs (an injected alert would open one) of every page, checked after each test. */
const pageErrors: string[] = [];

afterEach(() => {
  expect(pageErrors).toEqual([]);
});

async function open(pathname: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(`${pathname}: ${err.message}`));
  page.on('dialog', (dialog) => {
    pageErrors.push(`${pathname}: unexpected dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  const response = await page.goto(`${dashboard.url}${pathname}`);
  expect(response?.status()).toBe(200);
  return page;
}

interface MinimalDocument {
  querySelector(selector: string): { textContent: string | null } | null;
}

/** Waits until the element's text is `text` (the predicate runs in the page; this package has no DOM types). */
async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([sel, expected]) =>
      (globalThis as unknown as { document: MinimalDocument }).document.querySelector(sel)?.textContent ===
      expected,
    [selector, text] as const,
    { timeout: 15_000 },
  );
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

describe('in a real browser', () => {
  it('/sessions lists the sessions and links to a session page with its details', async () => {
    const page = await open('/sessions');
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    const table = page.getByRole('table', { name: 'AgenticSessions' });
    expect(await table.getByRole('row').count()).toBe(3); // header + 2 sessions
    await shot(page, 'sessions');
    await table.getByRole('link', { name: 'alpha' }).click();
    await page.waitForURL(`${dashboard.url}/sessions/demo/alpha`);
    await page.getByRole('heading', { name: 'Conditions' }).waitFor();
    expect(await page.getByRole('table', { name: 'status.conditions' }).innerText()).toContain('RunnerReady');
    // The annotation is shown as text; an <img onerror> would have opened a dialog (see pageErrors).
    expect(await page.getByRole('table', { name: 'metadata.annotations' }).innerText()).toContain(
      '<img src=x onerror=alert(1)>',
    );
    expect(await page.getByTestId('reconcile-next').innerText()).toMatch(/^Queued .*waiting for a worker/);
    await shot(page, 'session-alpha');
    await page.close();
  });

  it('/machine draws the phase model and its counts follow a status change in the cluster', async () => {
    const page = await open('/machine');
    await page.getByRole('heading', { name: 'Phase model' }).waitFor();
    await page.getByRole('img', { name: 'Session phase model with live counts' }).waitFor();
    const svgCount = (phase: string) => page.locator(`svg.machine text[data-phase="${phase}"]`);
    const tableCount = (phase: string) => page.locator(`td[data-phase="${phase}"]`);
    expect(await svgCount('Running').textContent()).toBe('1');
    expect(await svgCount('Pending').textContent()).toBe('1');
    expect(
      await page.locator('svg.machine text[data-from="Creating"][data-to="Running"]').textContent(),
    ).toBe('×1');
    await shot(page, 'machine-before');

    await world.patchStatus('demo', 'beta', {
      phase: 'Running',
      phaseHistory: [
        { to: 'Pending', at: iso(20_000) },
        { from: 'Pending', to: 'Creating', at: iso(10_000) },
        { from: 'Creating', to: 'Running', at: iso(0) },
      ],
    });
    // The page polls /api/machine by itself; wait for the DOM to change (Playwright polls, no fixed sleep).
    await waitForText(page, 'svg.machine text[data-phase="Running"]', '2');
    await waitForText(page, 'td[data-phase="Running"]', '2');
    expect(await svgCount('Pending').textContent()).toBe('0');
    expect(await tableCount('Pending').textContent()).toBe('0');
    await waitForText(page, 'svg.machine text[data-from="Creating"][data-to="Running"]', '×2');
    await shot(page, 'machine-after');
    await page.close();
  });

  it('/api-source shows the watcher’s api-server streams, reached from the menu', async () => {
    const page = await open('/sessions');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API source' }).click();
    await page.waitForURL(`${dashboard.url}/api-source`);
    await page.getByRole('heading', { name: 'ambient-api-server source' }).waitFor();
    const table = page.getByRole('table', { name: /^Leader watcher/ });
    for (const resource of ['sessions', 'projects', 'project_settings'])
      await table.locator(`tr[data-resource="${resource}"] td:nth-child(2)`).getByText('connected').waitFor();
    await shot(page, 'api-source');
    await page.close();
  });

  it('/queues shows Bull Board with each job linked to its session', async () => {
    const page = await open('/queues/queue/sessions');
    const link = page.getByRole('link', { name: 'open session demo/alpha' });
    await link.waitFor({ timeout: 20_000 });
    expect(await link.getAttribute('href')).toBe('/sessions/demo/alpha');
    expect(await page.getByText('reconcile demo/beta').count()).toBeGreaterThan(0);
    await shot(page, 'queues');
    await page.close();
  });

  it('our pages load nothing from elsewhere', () => {
    // Bull Board's own page asks for Google Fonts (blocked here, the font falls back); ours ask for nothing.
    expect(foreignRequests.filter((u) => !u.startsWith('https://fonts.'))).toEqual([]);
  });
});
