import type { V1Deployment, V1ObjectMeta, V1Service } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import {
  EXTERNAL_SECRETS_GROUP,
  EXTERNAL_SECRETS_PLURAL,
  EXTERNAL_SECRETS_VERSION,
  isNotFound,
  USER_DEPLOYMENT_SPEC_HASH,
  type KubeClients,
} from '@ambient-operator/shared';
import type { DesiredChildren } from './desired-children.js';

/** A child as listed: enough to decide between nothing, replace and delete. */
export interface ListedChild {
  name: string;
  hash: string | undefined;
  resourceVersion: string | undefined;
  /** Deployments: the listed object, for readiness. */
  object: unknown;
}

/**
 * One kind of child, through one interface: list by label in the target namespace, create, replace
 * (with the listed resourceVersion, so a concurrent change is a 409, never overwritten) and delete.
 */
export interface ChildKind {
  kind: string;
  /** Which desired objects of this kind. */
  desired: (children: DesiredChildren) => { name: string; body: object }[];
  list: (namespace: string, labelSelector: string) => Promise<ListedChild[]>;
  create: (namespace: string, body: object) => Promise<unknown>;
  replace: (namespace: string, name: string, body: object, current: ListedChild) => Promise<unknown>;
  remove: (namespace: string, name: string) => Promise<unknown>;
}

function listed(items: { metadata?: Wire<V1ObjectMeta> }[]): ListedChild[] {
  return items.map((item) => ({
    name: item.metadata?.name ?? '',
    hash: item.metadata?.annotations?.[USER_DEPLOYMENT_SPEC_HASH],
    resourceVersion: item.metadata?.resourceVersion,
    object: item,
  }));
}

function withVersion<T extends object>(body: T, current: ListedChild): T {
  const meta = (body as { metadata?: Wire<V1ObjectMeta> }).metadata ?? {};
  return { ...body, metadata: { ...meta, resourceVersion: current.resourceVersion } };
}

const externalSecretApi = {
  group: EXTERNAL_SECRETS_GROUP,
  version: EXTERNAL_SECRETS_VERSION,
  plural: EXTERNAL_SECRETS_PLURAL,
};

/** The kinds in creation order (config and secrets before the pods that read them). */
export function childKinds(api: KubeClients): ChildKind[] {
  return [
    {
      kind: 'ConfigMap',
      desired: (c) => c.configMaps,
      list: async (namespace, labelSelector) =>
        listed((await api.core.listNamespacedConfigMap({ namespace, labelSelector })).items),
      create: (namespace, body) => api.core.createNamespacedConfigMap({ namespace, body }),
      replace: (namespace, name, body, current) =>
        api.core.replaceNamespacedConfigMap({ namespace, name, body: withVersion(body, current) }),
      remove: (namespace, name) => api.core.deleteNamespacedConfigMap({ namespace, name }),
    },
    {
      kind: 'ExternalSecret',
      desired: (c) => c.externalSecrets,
      list: async (namespace, labelSelector) => {
        const result = (await api.customObjects.listNamespacedCustomObject({
          ...externalSecretApi,
          namespace,
          labelSelector,
        })) as { items?: { metadata?: Wire<V1ObjectMeta> }[] };
        return listed(result.items ?? []);
      },
      create: (namespace, body) =>
        api.customObjects.createNamespacedCustomObject({ ...externalSecretApi, namespace, body }),
      replace: (namespace, name, body, current) =>
        api.customObjects.replaceNamespacedCustomObject({
          ...externalSecretApi,
          namespace,
          name,
          body: withVersion(body, current),
        }),
      remove: (namespace, name) =>
        api.customObjects.deleteNamespacedCustomObject({ ...externalSecretApi, namespace, name }),
    },
    {
      kind: 'Deployment',
      desired: (c) => c.deployments,
      list: async (namespace, labelSelector) =>
        listed((await api.apps.listNamespacedDeployment({ namespace, labelSelector })).items),
      create: (namespace, body) =>
        api.apps.createNamespacedDeployment({ namespace, body: body as Wire<V1Deployment> }),
      replace: (namespace, name, body, current) =>
        api.apps.replaceNamespacedDeployment({
          namespace,
          name,
          body: withVersion(body as Wire<V1Deployment>, current),
        }),
      remove: (namespace, name) =>
        api.apps.deleteNamespacedDeployment({ namespace, name, propagationPolicy: 'Background' }),
    },
    {
      kind: 'Service',
      desired: (c) => c.services,
      list: async (namespace, labelSelector) =>
        listed((await api.core.listNamespacedService({ namespace, labelSelector })).items),
      create: (namespace, body) =>
        api.core.createNamespacedService({ namespace, body: body as Wire<V1Service> }),
      replace: (namespace, name, body, current) => {
        // spec.clusterIP is immutable: keep the allocated one.
        const service = body as Wire<V1Service>;
        const clusterIP = (current.object as Wire<V1Service>).spec?.clusterIP;
        return api.core.replaceNamespacedService({
          namespace,
          name,
          body: withVersion({ ...service, spec: { ...service.spec, clusterIP } }, current),
        });
      },
      remove: (namespace, name) => api.core.deleteNamespacedService({ namespace, name }),
    },
    {
      kind: 'Ingress',
      desired: (c) => c.ingresses,
      list: async (namespace, labelSelector) =>
        listed((await api.networking.listNamespacedIngress({ namespace, labelSelector })).items),
      create: (namespace, body) => api.networking.createNamespacedIngress({ namespace, body }),
      replace: (namespace, name, body, current) =>
        api.networking.replaceNamespacedIngress({ namespace, name, body: withVersion(body, current) }),
      remove: (namespace, name) => api.networking.deleteNamespacedIngress({ namespace, name }),
    },
    {
      kind: 'NetworkPolicy',
      desired: (c) => c.networkPolicies,
      list: async (namespace, labelSelector) =>
        listed((await api.networking.listNamespacedNetworkPolicy({ namespace, labelSelector })).items),
      create: (namespace, body) => api.networking.createNamespacedNetworkPolicy({ namespace, body }),
      replace: (namespace, name, body, current) =>
        api.networking.replaceNamespacedNetworkPolicy({ namespace, name, body: withVersion(body, current) }),
      remove: (namespace, name) => api.networking.deleteNamespacedNetworkPolicy({ namespace, name }),
    },
  ];
}

/** The ExternalSecret CRD is absent: listing its resource 404s (no object named: the type is unknown). */
export function isKindMissing(err: unknown): boolean {
  return isNotFound(err);
}
