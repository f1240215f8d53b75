import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { builtinSchemas } from '../openapi/builtin-schemas.js';
import { CRD_SCHEMA_ROOTS, crdOpenApiSchemas } from '../openapi/crd-schema.js';
import { referencedSchemas, type SchemaMap } from '../openapi/schema-closure.js';
import type { ResourceRegistry, ResourceType } from '../resource-registry.js';

function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/**
 * The `components.schemas` of a group-version, named as the API server names them: the built-in kinds served
 * there (schemas copied from a real API server, with everything they reference) and the custom kinds
 * (from their CRD's openAPIV3Schema). What `kubectl explain` reads.
 */
function groupVersionSchemas(registry: ResourceRegistry, group: string, version: string): SchemaMap {
  const builtin = builtinSchemas();
  const types = registry.all().filter((t) => t.group === group && t.versions.includes(version));
  const custom: SchemaMap = {};
  for (const t of types.filter((t) => t.custom))
    Object.assign(custom, crdOpenApiSchemas(group, version, t.kind, t.custom!.versions.get(version)?.schema));
  const builtinRoots = (builtin.roots[groupVersionPath(group, version)] ?? []).filter((name) =>
    types.some((t) => !t.custom && name.endsWith(`.${t.kind}`)),
  );
  const roots = [...builtinRoots, ...(Object.keys(custom).length ? CRD_SCHEMA_ROOTS : [])];
  const schemas: SchemaMap = { ...custom };
  for (const name of referencedSchemas(builtin.schemas, roots)) schemas[name] = builtin.schemas[name]!;
  return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The OpenAPI v3 document of a group-version: one path per resource whose PATCH operation declares the
 * `fieldValidation` query parameter and its x-kubernetes-group-version-kind (kubectl's field-validation verifier
 * then sends `fieldValidation=Strict` instead of validating on the client), and the kinds' schemas. No operation
 * declares a strategic-merge-patch request body, so kubectl's client-side apply keeps using its compiled-in
 * types (built-ins) or JSON merge patch (CRs), as before there were schemas.
 */
function groupVersionDocument(
  registry: ResourceRegistry,
  group: string,
  version: string,
): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const types = registry.all().filter((t: ResourceType) => t.group === group && t.versions.includes(version));
  for (const t of types) {
    const gvk = { group, version, kind: t.kind };
    const base = `/${groupVersionPath(group, version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
    const parameters = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
      name,
      in: 'query',
      schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
    }));
    const op = (id: string) => ({
      operationId: id,
      parameters,
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': id.startsWith('patch') ? 'patch' : id.startsWith('create') ? 'post' : 'put',
      'x-kubernetes-group-version-kind': gvk,
    });
    paths[`${base}/{name}`] = { patch: op(`patch${t.kind}`), put: op(`replace${t.kind}`) };
    paths[base] = { post: op(`create${t.kind}`) };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (kube-sim)', version: 'v1.32.0' },
    paths,
    components: { schemas: groupVersionSchemas(registry, group, version) },
  };
}

/**
 * Each group-version's document and the hash of its content, rebuilt only when what it describes changed (a CRD
 * applied, changed or deleted): kubectl reads the index before each explain or apply.
 */
class DocumentCache {
  private readonly entries = new Map<string, { fingerprint: string; document: unknown; hash: string }>();

  constructor(private readonly registry: ResourceRegistry) {}

  get(group: string, version: string): { document: unknown; hash: string } {
    const key = groupVersionPath(group, version);
    const fingerprint = JSON.stringify(
      this.registry
        .all()
        .filter((t) => t.group === group && t.versions.includes(version))
        .map((t) => [t.id, t.kind, t.namespaced, t.custom?.versions.get(version)?.schema]),
    );
    const cached = this.entries.get(key);
    if (cached?.fingerprint === fingerprint) return cached;
    const document = groupVersionDocument(this.registry, group, version);
    // The hash names the content, as the API server's does: kubectl caches documents by their URL.
    const hash = createHash('sha512').update(JSON.stringify(document)).digest('hex').toUpperCase();
    const entry = { fingerprint, document, hash };
    this.entries.set(key, entry);
    return entry;
  }
}

export function registerOpenApiRoutes(app: FastifyInstance, registry: ResourceRegistry): void {
  const documents = new DocumentCache(registry);
  app.get('/openapi/v3', async () => {
    const paths: Record<string, unknown> = {};
    for (const [group, versions] of registry.groups()) {
      for (const version of versions) {
        const key = groupVersionPath(group, version);
        paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${documents.get(group, version).hash}` };
      }
    }
    return { paths };
  });
  app.get('/openapi/v3/api/:version', async (request) => {
    const { version } = request.params as { version: string };
    return documents.get('', version).document;
  });
  app.get('/openapi/v3/apis/:group/:version', async (request) => {
    const { group, version } = request.params as { group: string; version: string };
    return documents.get(group, version).document;
  });
  // client-go asks for OpenAPI v2 in protobuf only. An empty body is a valid, empty protobuf
  // document: kubectl then has no client-side schema and skips client-side validation.
  app.get('/openapi/v2', async (_request, reply) =>
    reply
      .header('Content-Type', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf')
      .send(Buffer.alloc(0)),
  );
}
