// /healthz (process alive), /readyz (every watch synced and fresh, Redis reachable), /metrics.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface BindAddress {
  /** Interface to bind; all interfaces when undefined. */
  host?: string;
  /** TCP port; 0 picks a free one. */
  port: number;
}

export interface Readiness {
  ready: boolean;
  /** One line per failing check, shown in the /readyz body. */
  problems: string[];
}

export interface ProbeServerOptions {
  bind: BindAddress;
  /** Serve /healthz and /readyz. */
  readiness?: () => Promise<Readiness>;
  /** Serve /metrics from this registry. */
  registry?: Registry;
}

export interface ProbeServer {
  port: number;
  close(): Promise<void>;
}

export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (options.readiness && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (options.readiness && path === '/readyz') {
      options.readiness().then(
        (r) =>
          res
            .writeHead(r.ready ? 200 : 503, { 'content-type': 'text/plain' })
            .end(r.ready ? 'ok\n' : `not ready:\n${r.problems.map((p) => `- ${p}`).join('\n')}\n`),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
      return;
    }
    if (options.registry && path === '/metrics') {
      const registry = options.registry;
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.bind.port, options.bind.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
