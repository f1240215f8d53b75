// The one metadata HTTP client of every process: GET, list and watch of PartialObjectMetadata. client-node's typed
// clients always ask for whole objects (for a Secret that would bring its data into the process) and its Watch takes
// no Accept header; PartialObjectMetadata (every API server since 1.15, and kube-sim) returns the metadata alone.
// Pass shared's createKubeConfig() KubeConfig: its applyToHTTPSOptions puts the process's one keep-alive agent here.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';

/** Accept of a metadata-only list (`PartialObjectMetadataList`), with plain JSON as fallback. */
export const METADATA_LIST_ACCEPT =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
/** Accept of a metadata-only watch (each event's object a `PartialObjectMetadata`), with plain JSON as fallback. */
export const METADATA_WATCH_ACCEPT =
  'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';
/** Accept of one object's metadata and nothing else: no fallback, so a server that cannot answer fails (406). */
const METADATA_ONLY_ACCEPT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

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

/** The whole body as text (a destroyed request, e.g. on abort, rejects). */
export async function readBody(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const partialMetadataSchema = z.object({
  kind: z.literal('PartialObjectMetadata'),
  metadata: z.object({
    name: z.string(),
    creationTimestamp: z.string().optional(),
    deletionTimestamp: z.string().optional(),
  }),
});

export interface ObjectMetadata {
  name: string;
  creationTimestamp: string | undefined;
  deletionTimestamp: string | undefined;
}

export interface MetadataGetOptions {
  /** Fails the request when no answer starts in time, in milliseconds. @defaultValue 10000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * GET `path` as PartialObjectMetadata. Resolves undefined on 404; throws on any other failure, including a
 * server that cannot produce metadata-only objects (406).
 */
export async function getObjectMetadata(
  kc: KubeConfig,
  path: string,
  options: MetadataGetOptions = {},
): Promise<ObjectMetadata | undefined> {
  const res = await kubeGet(kc, path, {
    accept: METADATA_ONLY_ACCEPT,
    timeoutMs: options.timeoutMs ?? 10_000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const body = await readBody(res);
  if (res.statusCode === 404) return undefined;
  if (res.statusCode !== 200) throw new Error(`GET ${path} (metadata only): HTTP ${res.statusCode}`);
  const parsed = partialMetadataSchema.safeParse(JSON.parse(body));
  if (!parsed.success) throw new Error(`GET ${path}: the server did not answer with PartialObjectMetadata`);
  const { name, creationTimestamp, deletionTimestamp } = parsed.data.metadata;
  return { name, creationTimestamp, deletionTimestamp };
}
