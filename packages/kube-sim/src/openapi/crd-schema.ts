import type { JsonObject } from '../types.js';
import type { SchemaMap } from './schema-closure.js';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

// TypeMeta's and PartialObjectMetadata's field docs, as the API server's CRD OpenAPI builder copies them.
const API_VERSION_DOC =
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
const KIND_DOC =
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
const METADATA_DOC =
  "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/** The schema name the API server gives a custom kind: the group reversed, then version and kind. */
export function crdSchemaName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/**
 * A custom kind's OpenAPI v3 schema as the API server publishes it (apiextensions-apiserver's
 * controller/openapi/builder): the version's openAPIV3Schema with TypeMeta's apiVersion and kind, metadata as a
 * reference to ObjectMeta, and the group-version-kind it describes. Without a schema: an object with the GVK.
 */
export function crdOpenApiSchemas(
  group: string,
  version: string,
  kind: string,
  openAPIV3Schema: JsonObject | undefined,
): SchemaMap {
  const gvk = { 'x-kubernetes-group-version-kind': [{ group, kind, version }] };
  const name = crdSchemaName(group, version, kind);
  if (openAPIV3Schema === undefined) return { [name]: { type: 'object', ...gvk } };
  const properties = (openAPIV3Schema.properties ?? {}) as JsonObject;
  return {
    [name]: {
      ...openAPIV3Schema,
      properties: {
        ...properties,
        apiVersion: { description: API_VERSION_DOC, type: 'string' },
        kind: { description: KIND_DOC, type: 'string' },
        metadata: { allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }], description: METADATA_DOC },
      },
      ...gvk,
    },
  };
}

export const CRD_SCHEMA_ROOTS = [OBJECT_META];
