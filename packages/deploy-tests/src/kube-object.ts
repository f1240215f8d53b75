import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

const stringMap = z.record(z.string(), z.string());

/** What every Kubernetes object in a manifest must have; the rest is kept as is. */
export const kubeObjectSchema = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().min(1).optional(),
    labels: stringMap.optional(),
    annotations: stringMap.optional(),
  }),
});

export type KubeObject = z.infer<typeof kubeObjectSchema>;

/** `<kind>/<namespace>/<name>` (namespace omitted when cluster-scoped), for messages. */
export function describeObject(object: KubeObject): string {
  const { namespace, name } = object.metadata;
  return namespace === undefined ? `${object.kind}/${name}` : `${object.kind}/${namespace}/${name}`;
}

/**
 * Parses a multi-document YAML stream of Kubernetes objects (kubectl/kustomize output). Empty
 * documents are skipped; a YAML error or a document that is not an object fails with `source` in the
 * message.
 */
export function parseManifests(text: string, source: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const [index, document] of parseAllDocuments(text).entries()) {
    if (document.errors.length > 0) {
      throw new Error(`${source}: document ${index}: ${document.errors.map((e) => e.message).join('; ')}`);
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    const parsed = kubeObjectSchema.safeParse(value);
    if (!parsed.success) {
      throw new Error(
        `${source}: document ${index} is not a Kubernetes object: ${z.prettifyError(parsed.error)}`,
      );
    }
    objects.push(parsed.data);
  }
  return objects;
}

/** Whether the object lives in a namespace (false for the cluster-scoped kinds we ship). */
export function isClusterScoped(object: KubeObject): boolean {
  return CLUSTER_SCOPED_KINDS.has(object.kind);
}

const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);
