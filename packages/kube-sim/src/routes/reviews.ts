import type { ResourceType } from '../resource-registry.js';
import { isPlainObject } from '../types.js';

/** Who every client of kube-sim is: it takes any token and enforces no RBAC (see README). */
const USER = { username: 'kube-sim-user', groups: ['system:masters', 'system:authenticated'] };

/**
 * The self-reviews kubectl sends (`auth can-i`, `auth can-i --list`, `auth whoami`), answered for a server that
 * authorizes everything: allowed, every rule, the one user. The request comes back with its status, as upstream.
 */
export function answerReview(type: ResourceType, body: unknown): Record<string, unknown> {
  const request = isPlainObject(body) ? body : {};
  const base = {
    kind: type.kind,
    apiVersion: `${type.group}/v1`,
    metadata: { creationTimestamp: null },
    ...(isPlainObject(request.spec) ? { spec: request.spec } : {}),
  };
  switch (type.plural) {
    case 'selfsubjectaccessreviews':
      return { ...base, status: { allowed: true, reason: 'kube-sim authorizes every request' } };
    case 'selfsubjectrulesreviews':
      return {
        ...base,
        status: {
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
          nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          incomplete: false,
        },
      };
    default:
      return { ...base, status: { userInfo: USER } };
  }
}
