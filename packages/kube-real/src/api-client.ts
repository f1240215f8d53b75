import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import { createInterface } from 'node:readline';

/** How to reach the real API server: its URL, the CA that signed its serving certificate, a bearer token. */
export interface ApiCredentials {
  server: string;
  caPem: string;
  token: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

/**
 * A minimal JSON client for the control plane's own components (the node agent, start-up checks): one keep-alive
 * agent, bearer-token auth, and watches read line by line. Users and tests use their own clients via the kubeconfig.
 */
export class ApiClient {
  private readonly agent: Agent;

  constructor(private readonly credentials: ApiCredentials) {
    this.agent = new Agent({ keepAlive: true, ca: credentials.caPem });
  }

  async request(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string; signal?: AbortSignal } = {},
  ): Promise<ApiResponse> {
    const response = await this.open(method, path, options);
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      // a plain-text answer (healthz, readyz)
    }
    return { status: response.statusCode ?? 0, body };
  }

  /** Streams the events of a watch until the server ends it or `signal` aborts; resolves at the end. */
  async watch(path: string, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    const response = await this.open('GET', path, { signal });
    if (response.statusCode !== 200) {
      response.resume();
      throw new Error(`watch ${path}: HTTP ${response.statusCode ?? 0}`);
    }
    const lines = createInterface({ input: response, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (line.trim()) onEvent(JSON.parse(line) as WatchEvent);
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private open(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string; signal?: AbortSignal },
  ): Promise<IncomingMessage> {
    const url = new URL(path, this.credentials.server);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          signal: options.signal,
          headers: {
            Authorization: `Bearer ${this.credentials.token}`,
            Accept: 'application/json',
            ...(payload === undefined
              ? {}
              : {
                  'Content-Type': options.contentType ?? 'application/json',
                  'Content-Length': Buffer.byteLength(payload),
                }),
          },
        },
        resolve,
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
}
