// Raw GET requests to the API server for lists and watches. client-node's typed clients cannot ask for
// PartialObjectMetadata (the watcher needs only metadata), and its Watch cannot be given an Accept header.
// Pass shared's createKubeConfig() KubeConfig so these requests share the process's one keep-alive agent.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** Accept header asking for metadata-only objects (`PartialObjectMetadata[List]`), with plain JSON as fallback. */
export const metadataAccept =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
export const metadataWatchAccept =
  'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

export interface KubeGetOptions {
  query?: Record<string, string | number | boolean | undefined>;
  accept?: string;
  signal?: AbortSignal;
  /** Fails the request when no response headers arrive in time (not applied to the body of a watch). */
  timeoutMs?: number;
}

/** Issues a GET and resolves with the response once headers arrive; the caller consumes or destroys the body. */
export async function kubeGet(
  kc: KubeConfig,
  path: string,
  options: KubeGetOptions = {},
): Promise<http.IncomingMessage> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  for (const [k, v] of Object.entries(options.query ?? {}))
    if (v !== undefined) url.searchParams.set(k, String(v));
  const secure = url.protocol === 'https:';
  const requestOptions: https.RequestOptions = {
    method: 'GET',
    headers: { Accept: options.accept ?? 'application/json' },
  };
  // Auth headers, TLS material and the agent: shared's SharedAgentKubeConfig puts its one keep-alive agent here.
  await kc.applyToHTTPSOptions(requestOptions);
  return await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = (secure ? https : http).request(url, requestOptions, resolve);
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(
            () => req.destroy(new Error(`GET ${path}: no response in ${options.timeoutMs} ms`)),
            options.timeoutMs,
          )
        : undefined;
    req.once('response', () => clearTimeout(timer));
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    const signal = options.signal;
    if (signal) {
      const onAbort = () => req.destroy(new Error('aborted'));
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      req.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    req.end();
  });
}

export async function readBody(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
