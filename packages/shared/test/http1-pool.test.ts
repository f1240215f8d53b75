// The lean client's HTTP/1.1 connections (http1-pool.ts) against a TCP server that answers with exact bytes: how a
// response's body is framed, when a connection is reused, and how failures surface.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Http1Pool, type Http1RequestOptions } from '../src/http1-pool.js';

/** Each request's head as received, and the connections opened; `answer` writes the response bytes (in parts). */
interface RawServer {
  port: number;
  heads: string[];
  connections: () => number;
  answer: (head: string, socket: net.Socket) => void;
  close: () => Promise<void>;
}

async function startRawServer(): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const raw: RawServer = {
    port: 0,
    heads: [],
    connections: () => opened,
    answer: () => undefined,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  let opened = 0;
  const server = net.createServer((socket) => {
    opened++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.slice(0, end);
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        raw.heads.push(head);
        raw.answer(head, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  raw.port = (server.address() as AddressInfo).port;
  return raw;
}

let server: RawServer;
let pool: Http1Pool;

const options = (overrides: Partial<Http1RequestOptions> = {}): Http1RequestOptions => ({
  signal: undefined,
  onAbort: () => new Error('aborted'),
  headerTimeoutMs: 5000,
  onHeaderTimeout: () => new Error('header timeout'),
  ...overrides,
});

const newPool = (maxSockets = Infinity) =>
  new Http1Pool({
    connect: () => net.connect(server.port, '127.0.0.1'),
    host: `127.0.0.1:${server.port}`,
    maxFree: 4,
    maxSockets,
    keepAliveMsecs: 1000,
  });

beforeAll(async () => {
  server = await startRawServer();
  pool = newPool();
});

afterAll(async () => {
  pool.destroy();
  await server.close();
});

/** Writes `parts` one by one, each in a write of its own after the previous one was sent. */
async function writeParts(socket: net.Socket, parts: string[]): Promise<void> {
  for (const part of parts) {
    await new Promise<void>((resolve) => socket.write(part, () => resolve()));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('the request', () => {
  test('is one HTTP/1.1 request with Host, keep-alive, the given headers and the body with its length', async () => {
    server.answer = (_head, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}');
    const answer = await pool.request(
      'POST',
      '/api/v1/namespaces',
      'Accept: application/json\r\nContent-Type: application/json\r\n',
      '{"ü":1}',
      options(),
    );
    expect(answer).toEqual({ status: 200, headers: { 'content-length': '2' }, text: '{}' });
    expect(server.heads.at(-1)).toBe(
      [
        'POST /api/v1/namespaces HTTP/1.1',
        `Host: 127.0.0.1:${server.port}`,
        'Connection: keep-alive',
        'Accept: application/json',
        'Content-Type: application/json',
        // Bytes, not characters.
        'Content-Length: 8',
      ].join('\r\n'),
    );
  });
});

describe('response framing', () => {
  test('Content-Length, delivered in pieces (the head split too)', async () => {
    server.answer = (_head, socket) =>
      void writeParts(socket, ['HTTP/1.1 201 Created\r\nContent-', 'Length: 11\r\n\r\n{"a":', '"bcd"}']);
    const answer = await pool.request('GET', '/x', '', undefined, options());
    expect(answer.status).toBe(201);
    expect(answer.text).toBe('{"a":"bcd"}');
  });

  test('chunked, with a chunk extension, split chunks and trailers; multi-byte UTF-8 across chunks', async () => {
    const euro = Buffer.from('€');
    server.answer = (_head, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n"ab');
      socket.write(Buffer.concat([euro.subarray(0, 1), Buffer.from('\r\n2\r\n'), euro.subarray(1)]));
      void writeParts(socket, ['\r\n1\r\n"\r\n0\r\nX-Trailer: t\r\n', '\r\n']);
    };
    const answer = await pool.request('GET', '/x', '', undefined, options());
    expect(answer.text).toBe('"ab€"');
  });

  test('an interim 100 Continue is skipped; 204 has no body; repeated headers are joined as node:http joins them', async () => {
    server.answer = (_head, socket) =>
      socket.write(
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nWarning: a\r\nwarning: b\r\nSet-Cookie: x\r\nSet-Cookie: y\r\nRetry-After: 1\r\nRetry-After: 2\r\n\r\n',
      );
    const answer = await pool.request('DELETE', '/x', '', undefined, options());
    expect(answer).toEqual({
      status: 204,
      headers: { warning: 'a, b', 'set-cookie': ['x', 'y'], 'retry-after': '1' },
      text: '',
    });
  });

  test('without a length the body runs to the end of the connection, which is not reused', async () => {
    server.answer = (_head, socket) => socket.end('HTTP/1.1 500 Internal\r\n\r\n{"to":"close"}');
    const own = newPool();
    const before = server.connections();
    const answer = await own.request('GET', '/x', '', undefined, options());
    expect(answer).toMatchObject({ status: 500, text: '{"to":"close"}' });
    server.answer = (_head, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    await own.request('GET', '/x', '', undefined, options());
    expect(server.connections() - before).toBe(2);
    own.destroy();
  });

  test('a malformed status line fails the request', async () => {
    server.answer = (_head, socket) => socket.write('HTTP/2 200\r\n\r\n');
    await expect(pool.request('GET', '/x', '', undefined, options())).rejects.toMatchObject({
      code: 'HPE_INVALID_RESPONSE',
    });
  });
});

describe('connections', () => {
  test('sequential requests reuse one connection; Connection: close is not reused', async () => {
    const own = newPool();
    server.answer = (_head, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1');
    const before = server.connections();
    for (let i = 0; i < 5; i++) await own.request('GET', '/x', '', undefined, options());
    expect(server.connections() - before).toBe(1);
    server.answer = (_head, socket) =>
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n1');
    await own.request('GET', '/x', '', undefined, options());
    await own.request('GET', '/x', '', undefined, options());
    expect(server.connections() - before).toBe(2);
    own.destroy();
  });

  test('concurrent requests open a connection each, up to maxSockets; the rest wait for one', async () => {
    const own = newPool(2);
    const waiting: net.Socket[] = [];
    server.answer = (_head, socket) => {
      waiting.push(socket);
      if (waiting.length === 2)
        for (const s of waiting.splice(0)) s.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1');
    };
    const before = server.connections();
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => own.request('GET', '/x', '', undefined, options())),
    );
    expect(answers.map((a) => a.text)).toEqual(['1', '1', '1', '1']);
    expect(server.connections() - before).toBe(2);
    own.destroy();
  });

  test('a connection the server closed while idle is not used again', async () => {
    const own = newPool();
    server.answer = (_head, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1');
    await own.request('GET', '/x', '', undefined, options());
    const before = server.connections();
    const closed = new Promise<void>((resolve) => {
      server.answer = (_head, socket) => {
        socket.on('close', () => setImmediate(resolve));
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2');
      };
    });
    // Keep-alive by its headers, but the server ends the connection right after.
    await own.request('GET', '/x', '', undefined, options());
    await closed;
    server.answer = (_head, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n3');
    expect((await own.request('GET', '/x', '', undefined, options())).text).toBe('3');
    expect(server.connections() - before).toBe(1);
    own.destroy();
  });

  test('a connection cut before the response is complete fails the request with ECONNRESET', async () => {
    server.answer = (_head, socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345');
      socket.destroy();
    };
    await expect(pool.request('GET', '/x', '', undefined, options())).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
  });

  test('an abort or a late response head fails the request with the caller’s error and drops the connection', async () => {
    server.answer = () => undefined;
    const controller = new AbortController();
    const aborted = pool.request('GET', '/x', '', undefined, options({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 20);
    await expect(aborted).rejects.toThrow('aborted');
    await expect(pool.request('GET', '/x', '', undefined, options({ headerTimeoutMs: 50 }))).rejects.toThrow(
      'header timeout',
    );
    // The pool still answers afterwards, on a fresh connection.
    server.answer = (_head, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1');
    expect((await pool.request('GET', '/x', '', undefined, options())).text).toBe('1');
  });

  test('a refused connection fails the request with the socket error', async () => {
    const refused = new Http1Pool({
      connect: () => net.connect(1, '127.0.0.1'),
      host: '127.0.0.1:1',
      maxFree: 1,
      maxSockets: Infinity,
      keepAliveMsecs: 1000,
    });
    await expect(refused.request('GET', '/x', '', undefined, options())).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});
