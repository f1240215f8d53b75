// The burst's own API traffic — its creates and the two watches that time the Jobs and Running — on plain node:http
// with one keep-alive agent, not through the Kubernetes client: the bench runs on the same 2 cores as the operator
// it times, and client-node's creates and full-object watch events cost the 1,000 burst ~2.5 CPU-seconds (~8% of
// the burst's CPU), time taken from the operator in the figure being measured. In production the sessions' creator
// (the backend) runs elsewhere.
import http from 'node:http';

/** One keep-alive agent for the bench's requests to kube-sim (as many sockets as creates in flight). */
const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

/** POSTs `body` as JSON to `url`; resolves on 2xx, rejects with the status and body otherwise. */
export function postJson(url: string, body: unknown): Promise<void> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else
            reject(
              new Error(`POST ${url}: ${status} ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`),
            );
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** What a watch event of the progress watches carries (only what they read). */
interface WatchedObject {
  metadata?: { name?: string };
  status?: { phase?: string };
}

/**
 * A watch of `url` (`?watch=1` added): `onEvent` for each event line, until `stop()`. `opened` resolves once the
 * server answered (its events from then on are delivered). `metadataOnly` asks for PartialObjectMetadata.
 */
export function watchLines(
  url: string,
  metadataOnly: boolean,
  onEvent: (type: string, object: WatchedObject) => void,
  onEnd: (err: Error | undefined) => void,
): { opened: Promise<void>; stop: () => void } {
  const controller = new AbortController();
  const opened = new Promise<void>((resolve, reject) => {
    const req = http.get(
      `${url}?watch=1`,
      {
        agent,
        signal: controller.signal,
        headers: metadataOnly
          ? { accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1' }
          : { accept: 'application/json' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`watch ${url}: ${res.statusCode}`));
          res.resume();
          return;
        }
        resolve();
        let rest = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          const lines = (rest + text).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) {
            if (line.length === 0) continue;
            const event = JSON.parse(line) as { type: string; object: WatchedObject };
            onEvent(event.type, event.object);
          }
        });
        res.on('end', () => onEnd(undefined));
        res.on('error', (err) => onEnd(controller.signal.aborted ? undefined : err));
      },
    );
    req.on('error', (err) => {
      reject(err);
      onEnd(controller.signal.aborted ? undefined : err);
    });
  });
  return { opened, stop: () => controller.abort() };
}
