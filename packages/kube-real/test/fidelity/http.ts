// Raw HTTP to kube-sim (http) and the real kube-apiserver (https with its CA), so both get the same bytes.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface Target {
  name: 'kube-sim' | 'real';
  url: string;
  token: string;
  caPem?: string;
}

export interface RawResponse {
  status: number;
  contentType: string;
  body: unknown;
  /** Watch events (a watch request ends after `watchMs`). */
  events?: unknown[];
}

export interface RawRequest {
  method: string;
  path: string;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** A watch: read events for this long, then close. */
  watchMs?: number;
}

export function send(target: Target, req: RawRequest): Promise<RawResponse> {
  const url = new URL(req.path, target.url);
  const payload =
    req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = request(
      url,
      {
        method: req.method,
        ...(target.caPem ? { ca: target.caPem } : {}),
        headers: {
          Authorization: `Bearer ${target.token}`,
          Accept: req.accept ?? 'application/json',
          ...(payload === undefined
            ? {}
            : {
                'Content-Type': req.contentType ?? 'application/json',
                'Content-Length': Buffer.byteLength(payload),
              }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let timer: NodeJS.Timeout | undefined;
        const finish = () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          const contentType = String(res.headers['content-type'] ?? '');
          if (req.watchMs !== undefined && res.statusCode === 200) {
            const events = text
              .split('\n')
              .filter((l) => l.trim())
              .map((l) => JSON.parse(l) as unknown);
            resolve({ status: res.statusCode, contentType, body: undefined, events });
            return;
          }
          let body: unknown = text;
          try {
            body = text ? (JSON.parse(text) as unknown) : undefined;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, contentType, body });
        };
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', finish);
        res.on('error', finish);
        if (req.watchMs !== undefined)
          timer = setTimeout(() => {
            res.removeAllListeners('end');
            res.destroy();
            finish();
          }, req.watchMs);
      },
    );
    r.on('error', reject);
    r.end(payload);
  });
}
