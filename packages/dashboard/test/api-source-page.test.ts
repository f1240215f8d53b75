// /api-source against a real watcher holding real ambient-api-server streams (api-sim, gRPC) and its real
// /metrics: the page follows the streams through an outage (disconnected, the error, then reconnected and
// relisted), as an operator would watch it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiSourceStatus, Dashboard } from '@ambient-operator/dashboard';
import {
  eventually,
  get,
  startApiSourceWatcher,
  startWorld,
  type ApiSourceWorld,
  type World,
} from './harness.js';

let world: World;
let apiSource: ApiSourceWorld;
let dashboard: Dashboard;

beforeAll(async () => {
  world = await startWorld(['demo']);
  apiSource = await startApiSourceWatcher(world, { backoffInitialMs: 50, backoffMaxMs: 200 });
  dashboard = await world.startDashboard({
    metricsUrls: [apiSource.metricsUrl, 'http://127.0.0.1:1/metrics'],
  });
}, 60_000);
afterAll(async () => {
  await dashboard?.close();
  await apiSource?.stop();
  await world?.stop();
});

const status = async () =>
  (await fetch(`${dashboard.url}/api/api-source`)).json() as Promise<ApiSourceStatus>;
const sessionsStream = (s: ApiSourceStatus) => s.watchers[0]?.streams.find((r) => r.resource === 'sessions');

describe('/api-source', () => {
  it('shows each stream connected, with its events and relists, per watcher', async () => {
    await fetch(`${apiSource.api.url}/api/ambient/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiSource.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'first', project_id: 'demo' }),
    });
    const seen = await eventually(
      status,
      (s) => (sessionsStream(s)?.events ?? 0) >= 1 && s.watchers[0]!.streams.every((r) => r.connected),
      'the session event on the page',
    );
    expect(seen.watchers).toHaveLength(1);
    expect(seen.watchers[0]).toMatchObject({ url: apiSource.metricsUrl, leader: true });
    expect(seen.watchers[0]!.streams.map((r) => r.resource).sort()).toEqual([
      'project_settings',
      'projects',
      'sessions',
    ]);
    expect(sessionsStream(seen)).toMatchObject({ connected: true, reconnects: 0, errors: 0 });
    expect(sessionsStream(seen)!.relists).toBeGreaterThanOrEqual(1);
    expect(sessionsStream(seen)!.lastRelistAt).toBeGreaterThan(0);
    expect(sessionsStream(seen)!.lastEventAt).toBeGreaterThan(0);
    expect(seen.failedUrls.map((f) => f.url)).toEqual(['http://127.0.0.1:1/metrics']);

    const page = await get(`${dashboard.url}/api-source`);
    expect(page.status).toBe(200);
    expect(page.compact).toContain(
      '<tr data-resource="sessions"><td>sessions</td><td class="status-True">connected</td>',
    );
    expect(page.compact).toContain('Leader watcher');
    expect(page.compact).toContain('Not answering: http://127.0.0.1:1/metrics');
  });

  it('follows an outage: disconnected with the error, then reconnected and relisted', async () => {
    const before = sessionsStream(await status())!;
    apiSource.api.faults.setStreamOutage(true);
    const down = await eventually(
      status,
      // the dropped stream's error first, then each refused reconnect's
      (s) =>
        sessionsStream(s)?.connected === false &&
        (sessionsStream(s)?.lastError?.message.includes('stream outage') ?? false),
      'the outage on the page',
    );
    expect(sessionsStream(down)!.lastError).toMatchObject({ stage: 'watch' });
    const page = await get(`${dashboard.url}/api-source`);
    expect(page.compact).toContain('<td class="status-False">disconnected</td>');
    expect(page.text).toContain('api-sim: stream outage');

    apiSource.api.faults.setStreamOutage(false);
    const up = await eventually(
      status,
      (s) => sessionsStream(s)?.connected === true && sessionsStream(s)!.relists > before.relists,
      'reconnected and relisted',
    );
    expect(sessionsStream(up)!.reconnects).toBeGreaterThan(before.reconnects);
    expect(sessionsStream(up)!.errors).toBeGreaterThan(before.errors);
  });

  it('says so when no scraped process runs the source', async () => {
    const bare = await world.startDashboard();
    const page = await get(`${bare.url}/api-source`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('No scraped process runs an api-server source');
  });
});
