import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { BindAddress } from './config.js';

/** A readiness verdict with its reasons: each problem is one line of the failing `/readyz` body. */
export interface Readiness {
  ready: boolean;
  problems: readonly string[];
}

/**
 * A probe: `true` (or a ready {@link Readiness}) = OK; `false`, an unready Readiness or a throw = failing (the
 * problems or the error message are returned in the body).
 */
export type ProbeCheck = () => boolean | Readiness | Promise<boolean | Readiness>;

export interface OperatorHttpServerOptions {
  /** Where to listen (from `--metrics-bind-address` / `--health-probe-bind-address`); port 0 picks one. */
  address: BindAddress;
  /** Serve `GET /metrics` from this registry. Omit to not serve metrics on this server. */
  registry?: Registry;
  /** Extra exposition text appended to `/metrics` (e.g. BullMQ's `exportPrometheusMetrics()`). */
  extraMetrics?: () => Promise<string>;
  /** Serve `/healthz` and `/readyz`. @defaultValue false */
  probes?: boolean;
  /** Liveness check behind `/healthz`. @defaultValue always healthy */
  healthy?: ProbeCheck;
  /** Readiness check behind `/readyz`. @defaultValue always ready */
  ready?: ProbeCheck;
}

export interface OperatorHttpServer {
  /** Base URL, e.g. `http://127.0.0.1:8080` (`localhost` when bound to all interfaces). */
  url: string;
  port: number;
  /** Stop listening and drop open (keep-alive) connections. */
  close(): Promise<void>;
}

async function runProbe(check: ProbeCheck | undefined): Promise<{ ok: boolean; detail: string }> {
  if (!check) return { ok: true, detail: 'ok' };
  try {
    const verdict = await check();
    if (typeof verdict === 'boolean') return { ok: verdict, detail: verdict ? 'ok' : 'not ready' };
    if (verdict.ready) return { ok: true, detail: 'ok' };
    return { ok: false, detail: `not ready:\n${verdict.problems.map((p) => `- ${p}`).join('\n')}` };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * A small node:http server for `/metrics`, `/healthz` and `/readyz` (controller-runtime's two
 * endpoints; use one server for both or one each, like upstream's :8080 and :8081).
 */
export async function startHttpServer(options: OperatorHttpServerOptions): Promise<OperatorHttpServer> {
  const { registry } = options;
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: string, contentType = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const known =
        (registry && path === '/metrics') || (options.probes && (path === '/healthz' || path === '/readyz'));
      if (!known) return reply(404, 'not found\n');
      if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n');
      if (path === '/metrics' && registry) {
        let text = await registry.metrics();
        if (options.extraMetrics) {
          try {
            text += `\n${await options.extraMetrics()}`;
          } catch (err) {
            // Keep the scrape useful: the operator's own metrics still go out.
            text += `\n# extra metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`;
          }
        }
        return reply(200, text, registry.contentType);
      }
      const probe = await runProbe(path === '/healthz' ? options.healthy : options.ready);
      return reply(probe.ok ? 200 : 503, `${probe.detail}\n`);
    })().catch((err: unknown) => {
      if (!res.headersSent) reply(500, `${err instanceof Error ? err.message : String(err)}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.address.port, options.address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host =
    options.address.host === undefined ? 'localhost' : address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export interface OperatorEndpointsOptions extends Pick<
  OperatorHttpServerOptions,
  'registry' | 'extraMetrics' | 'healthy' | 'ready'
> {
  /** `--metrics-bind-address`; null disables `/metrics`. */
  metricsAddress: BindAddress | null;
  /** `--health-probe-bind-address`; null disables `/healthz` and `/readyz`. */
  probeAddress: BindAddress | null;
}

export interface OperatorEndpoints {
  /** The server of `/metrics` (undefined when disabled). */
  metrics: OperatorHttpServer | undefined;
  /** The server of `/healthz` and `/readyz` (undefined when disabled); the metrics one when they share a port. */
  probes: OperatorHttpServer | undefined;
  close(): Promise<void>;
}

/**
 * A process's metrics and probe endpoints from its two bind-address flags: one server each, or one server for
 * both when the flags name the same (non-zero) port, as controller-runtime allows.
 */
export async function startOperatorEndpoints(options: OperatorEndpointsOptions): Promise<OperatorEndpoints> {
  const { metricsAddress, probeAddress, registry, extraMetrics, healthy, ready } = options;
  const metrics = metricsAddress && registry ? { registry, ...(extraMetrics ? { extraMetrics } : {}) } : null;
  const together =
    metrics !== null &&
    probeAddress !== null &&
    probeAddress.port !== 0 &&
    probeAddress.port === metricsAddress?.port &&
    probeAddress.host === metricsAddress.host;
  const servers: OperatorHttpServer[] = [];
  const endpoints: OperatorEndpoints = {
    metrics: undefined,
    probes: undefined,
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
  try {
    if (probeAddress) {
      endpoints.probes = await startHttpServer({
        address: probeAddress,
        probes: true,
        ...(healthy ? { healthy } : {}),
        ...(ready ? { ready } : {}),
        ...(together ? metrics : {}),
      });
      servers.push(endpoints.probes);
      if (together) endpoints.metrics = endpoints.probes;
    }
    if (metrics && metricsAddress && !together) {
      endpoints.metrics = await startHttpServer({ address: metricsAddress, ...metrics });
      servers.push(endpoints.metrics);
    }
  } catch (err) {
    await endpoints.close();
    throw err;
  }
  return endpoints;
}
