// The ambient-api-server source end to end with every part its own process (api-sim, kube-sim, Redis, two
// watchers under one Lease, two workers), as `API_SERVER=embedded pnpm start` runs them. Prints the figures
// the issue asks for (API → CR latency, write-backs per lifecycle, recovery after a 10 s stream outage);
// nothing here asserts speed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { SharedAgentKubeConfig } from '@ambient-operator/shared';
import { GROUP, eventually, type SessionObject } from '@ambient-operator/testing';
import { startLocalStack, type LocalStack } from '../scripts/local-stack.js';
import { apiSimCaller } from './processes.js';

const TOKEN = 'processes-test-token-0123456789';
const NS = 'demo';
const SESSIONS = 20;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('ambient-api-server source as processes', () => {
  let dir: string;
  let stack: LocalStack;
  let kc: SharedAgentKubeConfig;
  let custom: CustomObjectsApi;

  const call = (method: string, pathAndQuery: string, body?: unknown) =>
    apiSimCaller(stack.apiServer!.url, TOKEN)(method, pathAndQuery, body);
  const session = (id: string) => call('GET', `/sessions/${id}`);
  const crExists = (id: string) =>
    custom.getNamespacedCustomObject({ ...GROUP, namespace: NS, name: id.toLowerCase() }).then(
      (o) => o as SessionObject,
      () => undefined,
    );
  const statusPatches = async () =>
    ((await call('GET', '/sim/stats')).requests as Record<string, number>)[
      'rest PATCH /sessions/{id}/status'
    ] ?? 0;
  const create = async (name: string) =>
    String((await call('POST', '/sessions', { name, project_id: NS })).id);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'api-processes-'));
    stack = await startLocalStack({
      localDir: dir,
      workers: 2,
      watchers: 2,
      leaderElect: true,
      dashboard: false,
      output: null,
      apiServer: { token: TOKEN },
    });
    kc = new SharedAgentKubeConfig();
    kc.loadFromFile(stack.kubeconfigPath);
    custom = kc.makeApiClient(CustomObjectsApi);
  });
  afterAll(async () => {
    await stack?.stop();
    kc?.destroyAgent();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('sessions created through the API become CRs, run, stop and go; status is written back once per change', async () => {
    await call('POST', '/sim/requests/reset');
    const latencies: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const started = performance.now();
      const id = await create(`s${i}`);
      await eventually(
        () => crExists(id),
        (cr) => cr !== undefined,
        `CR of ${id}`,
        10_000,
      );
      latencies.push(performance.now() - started);
      ids.push(id);
    }
    for (const id of ids)
      await eventually(
        () => session(id),
        (s) => s.phase === 'Running',
        `${id} Running`,
        60_000,
      );
    for (const id of ids) await call('POST', `/sessions/${id}/stop`);
    for (const id of ids)
      await eventually(
        () => session(id),
        (s) => s.phase === 'Stopped',
        `${id} Stopped`,
        60_000,
      );
    const patches = await statusPatches();
    for (const id of ids) await call('DELETE', `/sessions/${id}`);
    for (const id of ids)
      await eventually(
        () => crExists(id),
        (cr) => cr === undefined,
        `${id} CR gone`,
        30_000,
      );
    const figures = {
      apiToCrLatencyMs: {
        p50: Math.round(percentile(latencies, 50)),
        p99: Math.round(percentile(latencies, 99)),
      },
      statusPatchesPerLifecycle: patches / SESSIONS,
    };
    process.stdout.write(`api-server figures: ${JSON.stringify(figures)}\n`);
    // create → Pending/Creating/Running → Stopping → Stopped: a handful of writes, never one per reconcile
    expect(figures.statusPatchesPerLifecycle).toBeLessThan(12);
  });

  test('streams down for 10 s while sessions are created and deleted: every change is reconciled after reconnect', async () => {
    const doomed = [await create('doomed-1'), await create('doomed-2')];
    for (const id of doomed)
      await eventually(
        () => crExists(id),
        (cr) => cr !== undefined,
        `CR of ${id}`,
        20_000,
      );
    await call('POST', '/sim/faults', { streamOutage: true });
    const outageStarted = Date.now();
    const born = [await create('born-1'), await create('born-2'), await create('born-3')];
    for (const id of doomed) await call('DELETE', `/sessions/${id}`);
    // the outage lasts 10 s of wall-clock time: that is the scenario, not a wait for a result
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10_000 - (Date.now() - outageStarted))));
    await call('POST', '/sim/faults', { streamOutage: false });
    const outageEnded = performance.now();
    for (const id of born)
      await eventually(
        () => crExists(id),
        (cr) => cr !== undefined,
        `CR of ${id}`,
        60_000,
      );
    for (const id of doomed)
      await eventually(
        () => crExists(id),
        (cr) => cr === undefined,
        `${id} CR gone`,
        60_000,
      );
    process.stdout.write(
      `api-server figures: ${JSON.stringify({ recoveryAfter10sOutageMs: Math.round(performance.now() - outageEnded) })}\n`,
    );
  });

  test('killing the leader hands the streams to the standby; killing a worker loses nothing', async () => {
    const leaders = await Promise.all(
      ['watcher-1', 'watcher-2'].map(async (name) => {
        const metrics = await fetch(`${stack.process(name)!.metricsUrl!}/metrics`).then((r) => r.text());
        return { name, leading: /^ambient_watcher_is_leader 1$/m.test(metrics) };
      }),
    );
    const leader = leaders.find((l) => l.leading)!.name;
    await stack.kill(leader, 'SIGKILL');
    await stack.kill('worker-1', 'SIGKILL');
    const id = await create('after-failover');
    await eventually(
      () => session(id),
      (s) => s.phase === 'Running',
      `${id} Running after failover`,
      90_000,
    );
    expect(await crExists(id)).toBeDefined();
  });
});
