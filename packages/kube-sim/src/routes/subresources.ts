import { createHmac, randomUUID } from 'node:crypto';
import { badRequest, cause, invalid, notFound } from '../errors.js';
import type { ResourceApi } from '../resource-api.js';
import type { ResourceType } from '../resource-registry.js';
import { formatLabelSelector } from '../selectors.js';
import type { KubeObject } from '../types.js';
import { isPlainObject, nowRfc3339 } from '../types.js';

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/**
 * POST serviceaccounts/<name>/token: a TokenRequest answered with a JWT shaped like the API
 * server's (RS256 header, `sub: system:serviceaccount:<ns>:<name>`), HMAC-signed with a per-process key.
 */
export function handleTokenRequest(
  api: ResourceApi,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  body: unknown,
  key: Buffer,
): Record<string, unknown> {
  const sa = api.get(type, namespace, name);
  const spec = isPlainObject(body) && isPlainObject(body.spec) ? body.spec : {};
  const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : 3600;
  if (expirationSeconds < 600) {
    throw invalid({ group: 'authentication.k8s.io', resource: 'tokenrequests', kind: 'TokenRequest' }, '', [
      cause.invalid(
        'spec.expirationSeconds',
        expirationSeconds,
        'may not specify a duration less than 10 minutes',
      ),
    ]);
  }
  const audiences =
    Array.isArray(spec.audiences) && spec.audiences.length
      ? spec.audiences
      : ['https://kubernetes.default.svc.cluster.local'];
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + expirationSeconds;
  const header = base64url(JSON.stringify({ alg: 'RS256', kid: 'kube-sim' }));
  const payload = base64url(
    JSON.stringify({
      aud: audiences,
      exp,
      iat,
      iss: 'https://kubernetes.default.svc.cluster.local',
      jti: randomUUID(),
      'kubernetes.io': { namespace, serviceaccount: { name, uid: sa.metadata.uid } },
      nbf: iat,
      sub: `system:serviceaccount:${namespace ?? ''}:${name}`,
    }),
  );
  const signature = base64url(createHmac('sha256', key).update(`${header}.${payload}`).digest());
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: nowRfc3339() },
    spec: { audiences, expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
    status: {
      token: `${header}.${payload}.${signature}`,
      expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
  };
}

/** POST pods/<name>/eviction: marks the pod with a DisruptionTarget condition, then deletes it. */
export function handleEviction(
  api: ResourceApi,
  namespace: string | undefined,
  name: string,
  body: unknown,
): Record<string, unknown> {
  const pods = api.registry.byGroupResource('', 'pods');
  if (!pods) throw notFound({ group: '', resource: 'pods' }, name);
  if (
    isPlainObject(body) &&
    isPlainObject(body.metadata) &&
    body.metadata.name &&
    body.metadata.name !== name
  ) {
    throw badRequest(`name in URL does not match name in Eviction object`);
  }
  const pod = api.get(pods, namespace, name);
  const status = isPlainObject(pod.status) ? pod.status : {};
  const conditions = (Array.isArray(status.conditions) ? status.conditions : []).filter(
    (c) => !(isPlainObject(c) && c.type === 'DisruptionTarget'),
  );
  conditions.push({
    type: 'DisruptionTarget',
    status: 'True',
    reason: 'EvictionByEvictionAPI',
    message: 'Eviction API: evicting',
    lastTransitionTime: nowRfc3339(),
  });
  api.update(pods, namespace, name, { ...pod, status: { ...status, conditions } } as KubeObject, {
    subresource: 'status',
  });
  const deleteOptions = isPlainObject(body) && isPlainObject(body.deleteOptions) ? body.deleteOptions : {};
  api.delete(
    pods,
    namespace,
    name,
    typeof deleteOptions.gracePeriodSeconds === 'number'
      ? { gracePeriodSeconds: deleteOptions.gracePeriodSeconds }
      : {},
  );
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
}

function toScale(object: KubeObject): Record<string, unknown> {
  const spec = isPlainObject(object.spec) ? object.spec : {};
  const status = isPlainObject(object.status) ? object.status : {};
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 1 },
    status: {
      replicas: typeof status.replicas === 'number' ? status.replicas : 0,
      selector: formatLabelSelector(spec.selector),
    },
  };
}

/**
 * GET/PUT/PATCH `<deployments>/<name>/scale`: an autoscaling/v1 Scale view of spec.replicas
 * (what `kubectl scale` and HPAs use). A PUT may carry a resourceVersion precondition.
 */
export function handleScale(
  api: ResourceApi,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  change?: { replace: unknown } | { patch: (scale: Record<string, unknown>) => unknown },
): Record<string, unknown> {
  const current = api.get(type, namespace, name);
  if (!change) return toScale(current);
  const scale = toScale(current);
  const next = 'replace' in change ? change.replace : change.patch(scale);
  const body = isPlainObject(next) ? next : {};
  const spec = isPlainObject(body.spec) ? body.spec : {};
  const replicas = spec.replicas;
  const ref = { group: 'autoscaling', resource: 'scale', kind: 'Scale' };
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
    throw invalid(ref, name, [
      cause.invalid('spec.replicas', replicas ?? null, 'must be greater than or equal to 0'),
    ]);
  const meta = isPlainObject(body.metadata) ? body.metadata : {};
  const resourceVersion =
    'replace' in change && typeof meta.resourceVersion === 'string' && meta.resourceVersion
      ? meta.resourceVersion
      : current.metadata.resourceVersion;
  const updated = api.update(type, namespace, name, {
    ...current,
    metadata: { ...current.metadata, resourceVersion },
    spec: { ...(isPlainObject(current.spec) ? current.spec : {}), replicas },
  });
  return toScale(updated);
}
