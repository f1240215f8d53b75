import { createHash } from 'node:crypto';
import type {
  V1ConfigMap,
  V1Deployment,
  V1Ingress,
  V1Namespace,
  V1NetworkPolicy,
  V1OwnerReference,
  V1Service,
} from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import {
  EXTERNAL_SECRETS_GROUP,
  EXTERNAL_SECRETS_VERSION,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  SCHEDULER_API_VERSION,
  USER_DEPLOYMENT_INGRESS_CLASS,
  USER_DEPLOYMENT_KIND,
  USER_DEPLOYMENT_LABEL,
  USER_DEPLOYMENT_NAMESPACE_LABEL,
  USER_DEPLOYMENT_SERVICE_LABEL,
  USER_DEPLOYMENT_SPEC_HASH,
  type Exposure,
  type UserDeployment,
  type UserDeploymentTemplate,
  type UserDeploymentUrl,
} from '@ambient-operator/shared';

/**
 * Pure builders of a UserDeployment's children: what the cluster should hold, derived from the CR, its
 * template and the operator's settings. Every child carries the labels the watcher and the pruning select
 * on and a hash of its desired content (`scheduler.ambient-code.io/spec-hash`): a child is patched only
 * when that hash changes, so a Deployment rolls only when its pod template or replicas change.
 */

export interface UserDeploymentSettings {
  clusterSecretStore: string;
  deploymentDomain: string;
  disableNetworkPolicies: boolean;
}

/** A template service with the CR's overrides applied. */
export interface EffectiveService {
  name: string;
  image: string;
  port: number;
  replicas: number;
  env: Record<string, string>;
  expose: Exposure;
}

/** A namespaced child: its name and full desired body (with the spec-hash annotation). */
export interface DesiredObject<T> {
  name: string;
  body: T;
}

export interface ExternalSecretBody {
  apiVersion: string;
  kind: 'ExternalSecret';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: Record<string, unknown>;
}

export interface DesiredChildren {
  namespace: string;
  namespaceBody: Wire<V1Namespace>;
  configMaps: DesiredObject<Wire<V1ConfigMap>>[];
  externalSecrets: DesiredObject<ExternalSecretBody>[];
  deployments: DesiredObject<Wire<V1Deployment>>[];
  services: DesiredObject<Wire<V1Service>>[];
  ingresses: DesiredObject<Wire<V1Ingress>>[];
  networkPolicies: DesiredObject<Wire<V1NetworkPolicy>>[];
  urls: UserDeploymentUrl[];
}

/** The ConfigMap holding `spec.config` in the target namespace. */
export const CONFIG_MAP_NAME = 'user-config';
const ISOLATION_POLICY = 'ud-isolation';
const INGRESS_POLICY = 'ud-allow-ingress';
/** Traefik entrypoints per exposure: internal services answer only on the `internal` entrypoint. */
const ENTRYPOINTS: Record<'public' | 'internal', string> = { public: 'web,websecure', internal: 'internal' };
const ENTRYPOINTS_ANNOTATION = 'traefik.ingress.kubernetes.io/router.entrypoints';

/** Template services with spec.services overrides (replicas, image tag, env on top). */
export function effectiveServices(ud: UserDeployment, template: UserDeploymentTemplate): EffectiveService[] {
  const overrides = new Map((ud.spec?.services ?? []).map((o) => [o.name, o]));
  return template.services.map((service) => {
    const override = overrides.get(service.name);
    return {
      name: service.name,
      image: override?.imageTag !== undefined ? withTag(service.image, override.imageTag) : service.image,
      port: service.port,
      replicas: override?.replicas ?? service.replicas,
      env: { ...service.env, ...(override?.env ?? {}) },
      expose: service.expose,
    };
  });
}

/** `registry:5000/app:1` with tag `2` → `registry:5000/app:2` (a digest is replaced too). */
export function withTag(image: string, tag: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return `${colon === -1 ? withoutDigest : withoutDigest.slice(0, colon)}:${tag}`;
}

export function hashOf(content: unknown): string {
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16);
}

function withHash<T extends { metadata?: { annotations?: Record<string, string> } }>(
  body: T,
  content: unknown,
): T {
  body.metadata = {
    ...body.metadata,
    annotations: { ...body.metadata?.annotations, [USER_DEPLOYMENT_SPEC_HASH]: hashOf(content) },
  };
  return body;
}

/** The selector the watcher and the pruning use for a UserDeployment's children. */
export function childSelector(ud: UserDeployment): string {
  return `${USER_DEPLOYMENT_LABEL}=${ud.metadata.name},${USER_DEPLOYMENT_NAMESPACE_LABEL}=${ud.metadata.namespace ?? ''}`;
}

export function childLabels(ud: UserDeployment, service?: string): Record<string, string> {
  return {
    [USER_DEPLOYMENT_LABEL]: ud.metadata.name,
    [USER_DEPLOYMENT_NAMESPACE_LABEL]: ud.metadata.namespace ?? '',
    [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
    ...(service !== undefined ? { [USER_DEPLOYMENT_SERVICE_LABEL]: service } : {}),
  };
}

/** A controller reference to the CR, only possible when the child lives in the CR's own namespace. */
function ownerReferences(ud: UserDeployment, namespace: string): Wire<V1OwnerReference>[] | undefined {
  if (namespace !== ud.metadata.namespace || ud.metadata.uid === undefined) return undefined;
  return [
    {
      apiVersion: SCHEDULER_API_VERSION,
      kind: USER_DEPLOYMENT_KIND,
      name: ud.metadata.name,
      uid: ud.metadata.uid,
      controller: true,
    },
  ];
}

export function ingressHost(service: string, ud: UserDeployment, domain: string): string {
  return `${service}.${ud.metadata.name}.${domain}`;
}

export interface BuildChildrenInput {
  ud: UserDeployment;
  namespace: string;
  services: EffectiveService[];
  settings: UserDeploymentSettings;
}

/** Everything a running UserDeployment should have in its namespace. */
export function desiredChildren({ ud, namespace, services, settings }: BuildChildrenInput): DesiredChildren {
  const owners = ownerReferences(ud, namespace);
  const meta = (name: string, service?: string) => ({
    name,
    namespace,
    labels: childLabels(ud, service),
    ...(owners !== undefined ? { ownerReferences: owners } : {}),
  });
  const config = ud.spec?.config ?? {};
  const hasConfig = Object.keys(config).length > 0;
  const secrets = ud.spec?.secrets ?? [];
  const exposed = services.filter(
    (s): s is EffectiveService & { expose: 'public' | 'internal' } => s.expose !== 'none',
  );

  const configMaps = hasConfig
    ? [
        {
          name: CONFIG_MAP_NAME,
          body: withHash<Wire<V1ConfigMap>>({ metadata: meta(CONFIG_MAP_NAME), data: config }, config),
        },
      ]
    : [];

  const externalSecrets = secrets.map((secret) => {
    const spec = {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: settings.clusterSecretStore },
      target: { name: secret.name, creationPolicy: 'Owner' },
      dataFrom: [{ extract: { key: secret.remoteKey } }],
    };
    const body: ExternalSecretBody = withHash(
      {
        apiVersion: `${EXTERNAL_SECRETS_GROUP}/${EXTERNAL_SECRETS_VERSION}`,
        kind: 'ExternalSecret',
        metadata: { ...meta(secret.name), annotations: {} },
        spec,
      },
      spec,
    );
    return { name: secret.name, body };
  });

  const deployments = services.map((service) => {
    const podLabels = {
      [USER_DEPLOYMENT_LABEL]: ud.metadata.name,
      [USER_DEPLOYMENT_SERVICE_LABEL]: service.name,
    };
    const spec: Wire<V1Deployment>['spec'] = {
      replicas: service.replicas,
      selector: { matchLabels: podLabels },
      template: {
        metadata: { labels: podLabels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: service.name,
              image: service.image,
              ports: [{ name: 'http', containerPort: service.port }],
              env: Object.entries(service.env)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([name, value]) => ({ name, value })),
              envFrom: [
                ...(hasConfig ? [{ configMapRef: { name: CONFIG_MAP_NAME } }] : []),
                // optional: pods start before external-secrets has synced the Secret.
                ...secrets.map((s) => ({ secretRef: { name: s.name, optional: true } })),
              ],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    };
    return {
      name: service.name,
      body: withHash<Wire<V1Deployment>>({ metadata: meta(service.name, service.name), spec }, spec),
    };
  });

  const servicesOut = services.map((service) => {
    const spec: Wire<V1Service>['spec'] = {
      type: 'ClusterIP',
      selector: { [USER_DEPLOYMENT_LABEL]: ud.metadata.name, [USER_DEPLOYMENT_SERVICE_LABEL]: service.name },
      ports: [{ name: 'http', port: service.port, targetPort: service.port, protocol: 'TCP' }],
    };
    return {
      name: service.name,
      body: withHash<Wire<V1Service>>({ metadata: meta(service.name, service.name), spec }, spec),
    };
  });

  const ingresses = exposed.map((service) => {
    const host = ingressHost(service.name, ud, settings.deploymentDomain);
    const spec: Wire<V1Ingress>['spec'] = {
      ingressClassName: USER_DEPLOYMENT_INGRESS_CLASS,
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: service.name, port: { number: service.port } } },
              },
            ],
          },
        },
      ],
    };
    const metadata = {
      ...meta(service.name, service.name),
      annotations: { [ENTRYPOINTS_ANNOTATION]: ENTRYPOINTS[service.expose] },
    };
    return {
      name: service.name,
      body: withHash<Wire<V1Ingress>>({ metadata, spec }, { spec, metadata: metadata.annotations }),
    };
  });

  const networkPolicies = settings.disableNetworkPolicies ? [] : networkPoliciesFor(ud, exposed, meta);
  const urls = exposed.map((service) => ({
    service: service.name,
    exposure: service.expose,
    url: `http://${ingressHost(service.name, ud, settings.deploymentDomain)}`,
  }));

  return {
    namespace,
    namespaceBody: { metadata: { name: namespace, labels: childLabels(ud) } },
    configMaps,
    externalSecrets,
    deployments,
    services: servicesOut,
    ingresses,
    networkPolicies,
    urls,
  };
}

/**
 * Isolation: pods accept traffic only from their own namespace; exposed services also from any
 * namespace on their port (Traefik runs in one of them).
 */
function networkPoliciesFor(
  ud: UserDeployment,
  exposed: EffectiveService[],
  meta: (name: string) => Wire<V1NetworkPolicy>['metadata'],
): DesiredObject<Wire<V1NetworkPolicy>>[] {
  const isolation: Wire<V1NetworkPolicy>['spec'] = {
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: {} }] }],
  };
  const policies = [
    {
      name: ISOLATION_POLICY,
      body: withHash<Wire<V1NetworkPolicy>>({ metadata: meta(ISOLATION_POLICY), spec: isolation }, isolation),
    },
  ];
  if (exposed.length === 0) return policies;
  const ingress: Wire<V1NetworkPolicy>['spec'] = {
    podSelector: {
      matchLabels: { [USER_DEPLOYMENT_LABEL]: ud.metadata.name },
      matchExpressions: [
        { key: USER_DEPLOYMENT_SERVICE_LABEL, operator: 'In', values: exposed.map((s) => s.name) },
      ],
    },
    policyTypes: ['Ingress'],
    ingress: [
      {
        from: [{ namespaceSelector: {} }],
        ports: [...new Set(exposed.map((s) => s.port))].map((port) => ({ port, protocol: 'TCP' })),
      },
    ],
  };
  policies.push({
    name: INGRESS_POLICY,
    body: withHash<Wire<V1NetworkPolicy>>({ metadata: meta(INGRESS_POLICY), spec: ingress }, ingress),
  });
  return policies;
}
