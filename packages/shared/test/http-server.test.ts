import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, test } from 'vitest';
import { startHttpServer, startOperatorEndpoints, type OperatorHttpServer } from '@ambient-operator/shared';

const servers: OperatorHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: Parameters<typeof startHttpServer>[0]): Promise<OperatorHttpServer> {
  const server = await startHttpServer(options);
  servers.push(server);
  return server;
}

describe('startHttpServer', () => {
  test('serves /metrics from the registry plus extra text', async () => {
    const registry = new Registry();
    new Counter({ name: 'demo_total', help: 'demo', registers: [registry] }).inc(3);
    const server = await start({
      address: { host: '127.0.0.1', port: 0 },
      registry,
      extraMetrics: () =>
        Promise.resolve(
          '# TYPE bullmq_job_count gauge\nbullmq_job_count{queue="sessions",state="waiting"} 0\n',
        ),
    });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    const text = await res.text();
    expect(text).toContain('demo_total 3');
    expect(text).toContain('bullmq_job_count{queue="sessions",state="waiting"} 0');
  });

  test('a failing extra provider does not break the scrape', async () => {
    const registry = new Registry();
    new Counter({ name: 'demo_total', help: 'demo', registers: [registry] });
    const server = await start({
      address: { host: '127.0.0.1', port: 0 },
      registry,
      extraMetrics: () => Promise.reject(new Error('redis down')),
    });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('demo_total 0');
    expect(text).toContain('# extra metrics unavailable: redis down');
  });

  test('probes: /healthz and /readyz follow their callbacks', async () => {
    let ready = false;
    const server = await start({
      address: { host: '127.0.0.1', port: 0 },
      probes: true,
      ready: () => ready,
      healthy: () => Promise.reject(new Error('event loop stuck')),
    });
    let res = await fetch(`${server.url}/readyz`);
    expect([res.status, await res.text()]).toEqual([503, 'not ready\n']);
    ready = true;
    res = await fetch(`${server.url}/readyz`);
    expect([res.status, await res.text()]).toEqual([200, 'ok\n']);
    res = await fetch(`${server.url}/healthz`);
    expect([res.status, await res.text()]).toEqual([503, 'event loop stuck\n']);
  });

  test('a readiness with problems lists each on its own line', async () => {
    const server = await start({
      address: { host: '127.0.0.1', port: 0 },
      probes: true,
      ready: () => ({ ready: false, problems: ['redis: ECONNREFUSED', 'pods: initial list not complete'] }),
    });
    const res = await fetch(`${server.url}/readyz`);
    expect([res.status, await res.text()]).toEqual([
      503,
      'not ready:\n- redis: ECONNREFUSED\n- pods: initial list not complete\n',
    ]);
  });

  test('probes default to OK; unknown paths and metrics on a probe-only server are 404; writes are 405', async () => {
    const server = await start({ address: { host: '127.0.0.1', port: 0 }, probes: true });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz?verbose`)).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  test('close() stops listening even with keep-alive connections open', async () => {
    const server = await startHttpServer({ address: { host: '127.0.0.1', port: 0 }, probes: true });
    await (await fetch(`${server.url}/healthz`)).text(); // leaves a keep-alive socket
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  test('a port in use is reported', async () => {
    const first = await start({ address: { host: '127.0.0.1', port: 0 }, probes: true });
    await expect(
      startHttpServer({ address: { host: '127.0.0.1', port: first.port }, probes: true }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('startOperatorEndpoints', () => {
  const registry = new Registry();
  new Counter({ name: 'demo_total', help: 'demo', registers: [registry] });

  test('two addresses: metrics on one server, probes on the other', async () => {
    const endpoints = await startOperatorEndpoints({
      metricsAddress: { host: '127.0.0.1', port: 0 },
      probeAddress: { host: '127.0.0.1', port: 0 },
      registry,
    });
    try {
      expect(endpoints.metrics?.port).not.toBe(endpoints.probes?.port);
      expect((await fetch(`${endpoints.metrics?.url}/metrics`)).status).toBe(200);
      expect((await fetch(`${endpoints.metrics?.url}/healthz`)).status).toBe(404);
      expect((await fetch(`${endpoints.probes?.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${endpoints.probes?.url}/metrics`)).status).toBe(404);
    } finally {
      await endpoints.close();
    }
  });

  test('the same address: one server serves all three', async () => {
    const free = await startHttpServer({ address: { host: '127.0.0.1', port: 0 } });
    const port = free.port;
    await free.close();
    const endpoints = await startOperatorEndpoints({
      metricsAddress: { host: '127.0.0.1', port },
      probeAddress: { host: '127.0.0.1', port },
      registry,
    });
    try {
      expect(endpoints.metrics).toBe(endpoints.probes);
      for (const path of ['/metrics', '/healthz', '/readyz'])
        expect((await fetch(`${endpoints.probes?.url}${path}`)).status).toBe(200);
    } finally {
      await endpoints.close();
    }
  });

  test('a disabled address serves nothing', async () => {
    const endpoints = await startOperatorEndpoints({
      metricsAddress: null,
      probeAddress: { host: '127.0.0.1', port: 0 },
      registry,
    });
    try {
      expect(endpoints.metrics).toBeUndefined();
      expect((await fetch(`${endpoints.probes?.url}/metrics`)).status).toBe(404);
    } finally {
      await endpoints.close();
    }
  });
});
