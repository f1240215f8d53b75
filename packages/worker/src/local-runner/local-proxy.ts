import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The MODE=local reverse proxy on `LOCAL_PROXY_ADDR`: `/sessions/{id}/<rest>` goes to that session's
 * runner as `/<rest>`. Bodies are piped both ways, never buffered, so an SSE stream flows as written.
 */
export interface LocalProxy {
  url: string;
  close(): Promise<void>;
}

const ROUTE = /^\/sessions\/([^/?#]+)(\/[^?#]*)?(\?.*)?$/;

export async function startLocalProxy(options: {
  host: string;
  port: number;
  portOf: (sessionId: string) => number | undefined;
}): Promise<LocalProxy> {
  // One agent for every upstream request of this process.
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const match = ROUTE.exec(req.url ?? '');
    const id = match ? decodeURIComponent(match[1]!) : undefined;
    const port = id === undefined ? undefined : options.portOf(id);
    if (!match || port === undefined) {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end(match ? `no local runner for session ${id}\n` : 'expected /sessions/{id}/...\n');
      return;
    }
    const upstream = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: req.method,
        path: `${match[2] ?? '/'}${match[3] ?? ''}`,
        headers: { ...req.headers, host: `127.0.0.1:${port}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`${err.message}\n`);
      else res.destroy();
    });
    // The client went away (e.g. closed an SSE stream): so does the upstream request.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
