import { createHmac, randomUUID } from 'node:crypto';
import { badRequest, cause, invalid, notFound } from '../errors.js';
import type { ResourceApi } from '../resource-api.js';
import type { ResourceType } from '../resource-registry.js';
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
