import { describe, expect, it } from 'vitest';
import { validateUserDeploymentTemplate, type UserDeployment } from '@ambient-operator/shared';
import { desiredChildren, effectiveServices, withTag } from '@ambient-operator/worker';

const settings = {
  clusterSecretStore: 'vault',
  deploymentDomain: 'apps.example.com',
  disableNetworkPolicies: false,
};

function ud(spec: Partial<NonNullable<UserDeployment['spec']>> = {}, namespace = 'demo'): UserDeployment {
  return {
    apiVersion: 'scheduler.ambient-code.io/v1alpha1',
    kind: 'UserDeployment',
    metadata: { name: 'shop', namespace, uid: 'uid-1' },
    spec: { desiredState: 'running', template: { configMapRef: { name: 't' } }, ...spec },
  };
}

const template = (() => {
  const result = validateUserDeploymentTemplate({
    services: [
      {
        name: 'web',
        image: 'registry:5000/shop/web:1',
        port: 8080,
        replicas: 2,
        env: { A: '1' },
        expose: 'public',
      },
      { name: 'db', image: 'postgres@sha256:abc', port: 5432 },
    ],
  });
  if (!result.ok) throw new Error('bad template');
  return result.value;
})();

const build = (u: UserDeployment, s = settings) =>
  desiredChildren({
    ud: u,
    namespace: u.spec?.namespace ?? 'ud-shop',
    services: effectiveServices(u, template),
    settings: s,
  });

describe('effective services', () => {
  it('overrides replicas, image tag and env per service', () => {
    const services = effectiveServices(
      ud({ services: [{ name: 'web', replicas: 5, imageTag: '2', env: { A: 'x', B: 'y' } }] }),
      template,
    );
    expect(services[0]).toMatchObject({
      replicas: 5,
      image: 'registry:5000/shop/web:2',
      env: { A: 'x', B: 'y' },
    });
    expect(services[1]).toMatchObject({ replicas: 1, image: 'postgres@sha256:abc', expose: 'none' });
  });

  it('a tag replaces a tag or a digest, never a registry port', () => {
    expect(withTag('registry:5000/app', 'v2')).toBe('registry:5000/app:v2');
    expect(withTag('app@sha256:abc', 'v2')).toBe('app:v2');
    expect(withTag('nginx:1.25', '1.26')).toBe('nginx:1.26');
  });
});

describe('desired children', () => {
  it('a Deployment and a Service per service, an Ingress per exposed one, labelled, with a restricted pod', () => {
    const children = build(ud({ config: { K: 'v' }, secrets: [{ name: 'db-pass', remoteKey: 'prod/db' }] }));
    expect(children.deployments.map((d) => d.name)).toEqual(['web', 'db']);
    expect(children.services.map((s) => s.name)).toEqual(['web', 'db']);
    expect(children.ingresses.map((i) => i.name)).toEqual(['web']);
    const web = children.deployments[0]!.body;
    expect(web.metadata?.labels).toMatchObject({
      'scheduler.ambient-code.io/user-deployment': 'shop',
      'scheduler.ambient-code.io/user-deployment-namespace': 'demo',
      'scheduler.ambient-code.io/service': 'web',
    });
    // Cross-namespace: no ownerReference is possible, the finalizer cleans up.
    expect(web.metadata?.ownerReferences).toBeUndefined();
    const pod = web.spec!.template.spec!;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0]!.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.containers[0]!.envFrom).toEqual([
      { configMapRef: { name: 'user-config' } },
      { secretRef: { name: 'db-pass', optional: true } },
    ]);
    const ingress = children.ingresses[0]!.body;
    expect(ingress.spec?.ingressClassName).toBe('traefik');
    expect(ingress.spec?.rules?.[0]?.host).toBe('web.shop.apps.example.com');
    expect(children.urls).toEqual([
      { service: 'web', exposure: 'public', url: 'http://web.shop.apps.example.com' },
    ]);
    expect(children.externalSecrets[0]!.body.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      target: { name: 'db-pass', creationPolicy: 'Owner' },
      dataFrom: [{ extract: { key: 'prod/db' } }],
    });
    expect(children.configMaps[0]!.body.data).toEqual({ K: 'v' });
    expect(children.networkPolicies.map((p) => p.name)).toEqual(['ud-isolation', 'ud-allow-ingress']);
  });

  it('children in the CR’s own namespace are owned by it', () => {
    const children = build(ud({ namespace: 'demo' }));
    expect(children.deployments[0]!.body.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'scheduler.ambient-code.io/v1alpha1',
        kind: 'UserDeployment',
        name: 'shop',
        uid: 'uid-1',
        controller: true,
      },
    ]);
  });

  it('the spec hash moves with the pod template or replicas only', () => {
    const hash = (u: UserDeployment) =>
      build(u).deployments[0]!.body.metadata?.annotations?.['scheduler.ambient-code.io/spec-hash'];
    const base = hash(ud());
    expect(hash(ud())).toBe(base);
    expect(hash(ud({ services: [{ name: 'db', replicas: 3 }] }))).toBe(base);
    expect(hash(ud({ services: [{ name: 'web', replicas: 3 }] }))).not.toBe(base);
    expect(hash(ud({ services: [{ name: 'web', imageTag: '9' }] }))).not.toBe(base);
  });

  it('no NetworkPolicies with DISABLE_NETWORK_POLICIES', () => {
    expect(build(ud(), { ...settings, disableNetworkPolicies: true }).networkPolicies).toEqual([]);
  });
});
