// Keep-alive HTTP/1.1 connections to the API server for the lean client's JSON requests (kube-rest.ts).
//
// Why not node:http's ClientRequest on the shared agent: profiling the 1,000-session burst put ~35% of a worker's busy
// time in node:http's client around our requests (ClientRequest and IncomingMessage objects and their streams, header
// validation, the agent's per-request socket hand-over and its listeners), for requests that are all one small JSON
// body each way. Here a socket keeps one set of listeners for its life, a request is one string written in one call,
// and the response is parsed from the socket's bytes (Content-Length, chunked, or to the end of the connection).
// The sockets come from the shared agent's own createConnection with its TLS options, so TLS is set up exactly as
// before; one request at a time per socket (no pipelining), idle sockets reused most recent first, as the agent does.
import type http from 'node:http';
import type { Socket } from 'node:net';

export interface Http1Response {
  status: number;
  /** Lower-case names; repeated headers joined as node:http joins them. */
  headers: http.IncomingHttpHeaders;
  /** The body as UTF-8. */
  text: string;
}

export interface Http1PoolOptions {
  /** Opens a connection (plain or TLS) to the server. */
  connect: () => Socket;
  /** The Host header (`host[:port]`). */
  host: string;
  /** Idle connections kept for reuse. */
  maxFree: number;
  /** Connections at most, in use or idle; requests beyond wait for one. */
  maxSockets: number;
  /** TCP keep-alive probe delay, in ms. */
  keepAliveMsecs: number;
}

/** What a request fails with when it is aborted or its response head is late (the caller's error types). */
export interface Http1RequestOptions {
  signal: AbortSignal | undefined;
  onAbort: () => Error;
  headerTimeoutMs: number;
  onHeaderTimeout: () => Error;
}

/** The socket closed before the response was complete (node:http's error for the same case). */
function hangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

function parseError(message: string): Error {
  return Object.assign(new Error(`invalid HTTP response: ${message}`), { code: 'HPE_INVALID_RESPONSE' });
}

/** Headers node:http keeps the first of when repeated (the rest are joined with ", ", set-cookie is a list). */
const SINGLE_VALUED = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
/** A response head larger than this is refused (node:http's default --max-http-header-size). */
const MAX_HEAD_BYTES = 16 * 1024;

type BodyState =
  | { kind: 'length'; remaining: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; remaining: number }
  | { kind: 'chunk-end' }
  | { kind: 'trailers' }
  | { kind: 'to-close' };

/** One request on one connection, from write to the response's last byte. */
class Exchange {
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  keepAlive = true;
  body: BodyState | undefined;
  readonly chunks: Buffer[] = [];
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
  /** Resolved or rejected (or about to be). */
  done = false;

  constructor(
    readonly method: string,
    readonly options: Http1RequestOptions,
    readonly resolve: (response: Http1Response) => void,
    readonly reject: (err: Error) => void,
  ) {}

  /** Stops the timer and the abort listener. */
  settle(): void {
    this.done = true;
    clearTimeout(this.timer);
    if (this.onAbort) this.options.signal?.removeEventListener('abort', this.onAbort);
  }
}

class Connection {
  exchange: Exchange | undefined;
  /** Bytes received and not parsed yet. */
  pending: Buffer | undefined;
  /** Failed or closed: never used again. */
  closed = false;

  constructor(
    readonly pool: Http1Pool,
    readonly socket: Socket,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: Error) => this.fail(err));
    socket.on('close', () => this.fail(hangUp()));
    socket.on('end', () => {
      // The server ends its side: a body read to the end of the connection is complete; anything else is cut.
      const ex = this.exchange;
      if (ex?.body?.kind === 'to-close') this.complete(ex);
      socket.destroy();
    });
  }

  /** The connection failed or closed: the request on it (if any) fails, and it is never used again. */
  fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    const ex = this.exchange;
    this.exchange = undefined;
    this.socket.destroy();
    this.pool.forget(this);
    if (ex) {
      ex.settle();
      ex.reject(err);
    }
  }

  start(ex: Exchange, request: string): void {
    this.exchange = ex;
    this.pending = undefined;
    this.socket.ref();
    this.socket.write(request);
  }

  private onData(chunk: Buffer): void {
    const ex = this.exchange;
    if (!ex) {
      // Bytes nobody asked for: the connection's state is unknown, so it is not reused.
      this.fail(parseError('data on an idle connection'));
      return;
    }
    this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    try {
      this.parse(ex);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private parse(ex: Exchange): void {
    for (;;) {
      const buf = this.pending;
      if (!buf || buf.length === 0) {
        // Nothing left to read; a bodyless response may still be complete (below).
        if (ex.body === undefined) return;
      }
      if (ex.body === undefined) {
        const end = buf!.indexOf(HEAD_END);
        if (end < 0) {
          if (buf!.length > MAX_HEAD_BYTES) throw parseError('header too large');
          return;
        }
        const interim = this.parseHead(ex, buf!.toString('latin1', 0, end));
        this.pending = buf!.subarray(end + 4);
        if (interim) continue;
        clearTimeout(ex.timer);
        if (ex.body === undefined) return this.complete(ex);
        continue;
      }
      const body: BodyState = ex.body;
      if (!buf || buf.length === 0) return;
      switch (body.kind) {
        case 'length':
        case 'chunk-data': {
          const take = Math.min(body.remaining, buf.length);
          ex.chunks.push(buf.subarray(0, take));
          this.pending = buf.subarray(take);
          body.remaining -= take;
          if (body.remaining > 0) return;
          if (body.kind === 'length') return this.complete(ex);
          ex.body = { kind: 'chunk-end' };
          break;
        }
        case 'to-close':
          ex.chunks.push(buf);
          this.pending = undefined;
          return;
        case 'chunk-end': {
          if (buf.length < 2) return;
          if (buf[0] !== 13 || buf[1] !== 10) throw parseError('chunk not followed by CRLF');
          this.pending = buf.subarray(2);
          ex.body = { kind: 'chunk-size' };
          break;
        }
        case 'chunk-size': {
          const eol = buf.indexOf(CRLF);
          if (eol < 0) {
            if (buf.length > 1024) throw parseError('chunk size line too long');
            return;
          }
          const line = buf.toString('latin1', 0, eol);
          const sizeText = line.split(';', 1)[0]!.trim();
          if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw parseError(`chunk size "${line}"`);
          const size = parseInt(sizeText, 16);
          this.pending = buf.subarray(eol + 2);
          ex.body = size === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', remaining: size };
          break;
        }
        case 'trailers': {
          const eol = buf.indexOf(CRLF);
          if (eol < 0) {
            if (buf.length > MAX_HEAD_BYTES) throw parseError('trailers too large');
            return;
          }
          this.pending = buf.subarray(eol + 2);
          if (eol === 0) return this.complete(ex);
          break;
        }
      }
    }
  }

  /** Reads a response head into `ex`; true for an interim (1xx) response, whose final response follows. */
  private parseHead(ex: Exchange, head: string): boolean {
    const lines = head.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]!);
    if (!statusLine) throw parseError(`status line "${lines[0]}"`);
    const status = Number(statusLine[2]);
    if (status >= 100 && status < 200 && status !== 101) return true;
    const headers: http.IncomingHttpHeaders = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) throw parseError(`header line "${line}"`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const previous = headers[name];
      if (previous === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
      else if (name === 'set-cookie') (previous as string[]).push(value);
      else if (!SINGLE_VALUED.has(name)) headers[name] = `${previous as string}, ${value}`;
    }
    ex.status = status;
    ex.headers = headers;
    const connection = String(headers.connection ?? '').toLowerCase();
    ex.keepAlive = statusLine[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    const transferEncoding = String(headers['transfer-encoding'] ?? '').toLowerCase();
    const length = headers['content-length'];
    if (ex.method === 'HEAD' || status === 204 || status === 304) ex.body = undefined;
    else if (transferEncoding.includes('chunked')) ex.body = { kind: 'chunk-size' };
    else if (length !== undefined) {
      if (!/^\d+$/.test(length)) throw parseError(`content-length "${length}"`);
      const remaining = Number(length);
      ex.body = remaining === 0 ? undefined : { kind: 'length', remaining };
    } else {
      ex.body = { kind: 'to-close' };
      ex.keepAlive = false;
    }
    return false;
  }

  private complete(ex: Exchange): void {
    if (this.exchange !== ex) return;
    this.exchange = undefined;
    ex.settle();
    const reusable = ex.keepAlive && (this.pending === undefined || this.pending.length === 0);
    this.pending = undefined;
    ex.resolve({ status: ex.status, headers: ex.headers, text: Buffer.concat(ex.chunks).toString('utf8') });
    if (reusable && !this.closed) this.pool.release(this);
    else this.fail(hangUp());
  }
}

/** Connections to one server; see the file's comment. */
export class Http1Pool {
  readonly #options: Http1PoolOptions;
  /** Idle connections, most recently used last. */
  readonly #free: Connection[] = [];
  readonly #all = new Set<Connection>();
  /** Requests waiting for a connection (only with a maxSockets bound). */
  readonly #waiting: ((c: Connection) => void)[] = [];
  #destroyed = false;

  constructor(options: Http1PoolOptions) {
    this.#options = options;
  }

  /**
   * One request: `headerLines` are complete `Name: value\r\n` lines (Host, Connection and Content-Length are added
   * here); resolves with any status, rejects on network failures, abort and the header timeout.
   */
  request(
    method: string,
    path: string,
    headerLines: string,
    body: string | undefined,
    options: Http1RequestOptions,
  ): Promise<Http1Response> {
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.#options.host}\r\nConnection: keep-alive\r\n${headerLines}`;
    if (body !== undefined) head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    else if (method === 'POST' || method === 'PUT' || method === 'PATCH') head += 'Content-Length: 0\r\n';
    const request = `${head}\r\n${body ?? ''}`;
    return new Promise<Http1Response>((resolve, reject) => {
      const ex = new Exchange(method, options, resolve, reject);
      let connection: Connection | undefined;
      const { signal } = options;
      if (signal) {
        ex.onAbort = () => {
          const err = options.onAbort();
          if (connection) connection.fail(err);
          else {
            ex.settle();
            reject(err);
          }
        };
        signal.addEventListener('abort', ex.onAbort, { once: true });
      }
      ex.timer = setTimeout(() => {
        const err = options.onHeaderTimeout();
        if (connection) connection.fail(err);
        else {
          ex.settle();
          reject(err);
        }
      }, options.headerTimeoutMs);
      this.#acquire((c) => {
        // Aborted or timed out while waiting for a connection: hand it to the next.
        if (ex.done) return this.release(c);
        connection = c;
        c.start(ex, request);
      });
    });
  }

  #acquire(use: (c: Connection) => void): void {
    const idle = this.#free.pop();
    if (idle) return use(idle);
    if (this.#all.size >= this.#options.maxSockets) {
      this.#waiting.push(use);
      return;
    }
    const socket = this.#options.connect();
    socket.setNoDelay(true);
    socket.setKeepAlive(true, this.#options.keepAliveMsecs);
    const c = new Connection(this, socket);
    this.#all.add(c);
    use(c);
  }

  /** A connection done with its request: to the next waiting request, or idle (unref'd, as the agent does). */
  release(c: Connection): void {
    if (c.closed) return;
    if (this.#destroyed) return c.fail(hangUp());
    const next = this.#waiting.shift();
    if (next) return next(c);
    if (this.#free.length >= this.#options.maxFree) return c.fail(hangUp());
    c.socket.unref();
    this.#free.push(c);
  }

  /** A connection that closed. */
  forget(c: Connection): void {
    this.#all.delete(c);
    const at = this.#free.indexOf(c);
    if (at >= 0) this.#free.splice(at, 1);
    // A slot is free: a waiting request may open a connection.
    const next = this.#waiting.shift();
    if (next) this.#acquire(next);
  }

  /** Closes every connection (requests in flight fail); the pool takes no more requests. */
  destroy(): void {
    this.#destroyed = true;
    for (const c of [...this.#all]) c.fail(hangUp());
  }
}
