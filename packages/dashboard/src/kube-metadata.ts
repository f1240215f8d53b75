// Metadata-only GETs. client-node's typed clients always ask for the whole object; for a Secret that would bring
// its data into this process, which the dashboard must never hold. PartialObjectMetadata (served by every API
// server since 1.15, and by kube-sim) returns the metadata alone. We offer no plain-JSON fallback on purpose.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';

const PARTIAL_OBJECT_METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

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
  /** Fails the request when no complete answer arrives in time, in milliseconds. @defaultValue 10000 */
  timeoutMs?: number;
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
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  const requestOptions: https.RequestOptions = {
    method: 'GET',
    headers: { Accept: PARTIAL_OBJECT_METADATA },
  };
  // Auth headers, TLS material and shared's one keep-alive agent.
  await kc.applyToHTTPSOptions(requestOptions);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
  if (status === 404) return undefined;
  if (status !== 200) throw new Error(`GET ${path} (metadata only): HTTP ${status}`);
  const parsed = partialMetadataSchema.safeParse(JSON.parse(body));
  if (!parsed.success) throw new Error(`GET ${path}: the server did not answer with PartialObjectMetadata`);
  const { name, creationTimestamp, deletionTimestamp } = parsed.data.metadata;
  return { name, creationTimestamp, deletionTimestamp };
}
