import type { FastifyInstance } from 'fastify';
import type { ResourceRegistry, ResourceType } from '../resource-registry.js';
import { apiVersionOf } from '../resource-registry.js';

function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/**
 * A minimal OpenAPI v3 document per group-version: one path per resource whose PATCH operation
 * declares the `fieldValidation` query parameter and its x-kubernetes-group-version-kind. That is
 * exactly what kubectl's field-validation verifier looks for; finding it, kubectl sends
 * `fieldValidation=Strict` instead of validating on the client. No schemas are published, so
 * kubectl's apply falls back to its compiled-in types (built-ins) or JSON merge patch (CRs).
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
    components: { schemas: {} },
  };
}

export function registerOpenApiRoutes(app: FastifyInstance, registry: ResourceRegistry): void {
  app.get('/openapi/v3', async () => {
    const paths: Record<string, unknown> = {};
    for (const [group, versions] of registry.groups()) {
      for (const version of versions) {
        const key = groupVersionPath(group, version);
        paths[key] = {
          serverRelativeURL: `/openapi/v3/${key}?hash=${apiVersionOf(group, version).replace(/\W/g, '')}`,
        };
      }
    }
    return { paths };
  });
  app.get('/openapi/v3/api/:version', async (request) => {
    const { version } = request.params as { version: string };
    return groupVersionDocument(registry, '', version);
  });
  app.get('/openapi/v3/apis/:group/:version', async (request) => {
    const { group, version } = request.params as { group: string; version: string };
    return groupVersionDocument(registry, group, version);
  });
  // client-go asks for OpenAPI v2 in protobuf only. An empty body is a valid, empty protobuf
  // document: kubectl then has no client-side schema and skips client-side validation.
  app.get('/openapi/v2', async (_request, reply) =>
    reply
      .header('Content-Type', 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf')
      .send(Buffer.alloc(0)),
  );
}
