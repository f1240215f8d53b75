import type { FastifyInstance } from 'fastify';
import type { ResourceRegistry, ResourceType } from '../resource-registry.js';
import { apiVersionOf } from '../resource-registry.js';
import type { ServerVersion } from '../server-version.js';

/** Verbs served on each subresource, as the real API's discovery lists them. */
const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  token: ['create'],
  eviction: ['create'],
  scale: ['get', 'patch', 'update'],
};

const SUBRESOURCE_KINDS: Record<string, { group: string; version: string; kind: string }> = {
  token: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
  eviction: { group: 'policy', version: 'v1', kind: 'Eviction' },
  scale: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
};

function resourceList(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  const types = registry
    .all()
    .filter((t: ResourceType) => t.group === group && t.versions.includes(version))
    .sort((a, b) => a.plural.localeCompare(b.plural));
  for (const t of types) {
    const entry: Record<string, unknown> = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
    };
    if (t.shortNames.length) entry.shortNames = t.shortNames;
    if (t.categories.length) entry.categories = t.categories;
    resources.push(entry);
    for (const sub of t.subresources) {
      const subKind = SUBRESOURCE_KINDS[sub];
      const subEntry: Record<string, unknown> = {
        name: `${t.plural}/${sub}`,
        singularName: '',
        namespaced: t.namespaced,
        kind: subKind?.kind ?? t.kind,
        verbs: SUBRESOURCE_VERBS[sub] ?? ['get'],
      };
      if (subKind) {
        subEntry.group = subKind.group;
        subEntry.version = subKind.version;
      }
      resources.push(subEntry);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

function apiGroup(name: string, versions: string[]): Record<string, unknown> {
  const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: list, preferredVersion: list[0] };
}

/**
 * Legacy discovery (`/api`, `/apis`, `/apis/<g>/<v>`). Requests for aggregated discovery
 * (`as=APIGroupDiscoveryList`) get the legacy documents with plain `application/json`, which
 * client-go and kubectl take as "not supported" and fall back from.
 */
export function registerDiscoveryRoutes(
  app: FastifyInstance,
  registry: ResourceRegistry,
  serverAddress: () => string,
  version: ServerVersion,
): void {
  app.get('/version', async () => ({
    ...version,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  }));
  app.get('/api', async () => ({
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: serverAddress() }],
  }));
  app.get('/api/v1', async () => resourceList(registry, '', 'v1'));
  app.get('/apis', async () => {
    const groups = [...registry.groups()].filter(([g]) => g !== '').sort(([a], [b]) => a.localeCompare(b));
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map(([g, versions]) => apiGroup(g, versions)),
    };
  });
  app.get('/apis/:group', async (request, reply) => {
    const { group } = request.params as { group: string };
    const versions = registry.groups().get(group);
    if (!versions || group === '') return reply.code(404).send(notFoundStatus());
    return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) };
  });
  app.get('/apis/:group/:version', async (request, reply) => {
    const { group, version } = request.params as { group: string; version: string };
    const versions = registry.groups().get(group);
    if (!versions?.includes(version) || group === '') return reply.code(404).send(notFoundStatus());
    return resourceList(registry, group, version);
  });
}

export function notFoundStatus(): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'the server could not find the requested resource',
    reason: 'NotFound',
    details: {},
    code: 404,
  };
}
