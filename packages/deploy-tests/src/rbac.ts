import { z } from 'zod';
import { describeObject, type KubeObject } from './kube-object.js';

const ruleSchema = z.looseObject({
  apiGroups: z.array(z.string()).default([]),
  resources: z.array(z.string()).default([]),
  verbs: z.array(z.string()),
  resourceNames: z.array(z.string()).optional(),
  nonResourceURLs: z.array(z.string()).optional(),
});
const roleSchema = z.looseObject({ rules: z.array(ruleSchema).default([]) });
const bindingSchema = z.looseObject({
  roleRef: z.looseObject({ kind: z.enum(['Role', 'ClusterRole']), name: z.string() }),
  subjects: z
    .array(z.looseObject({ kind: z.string(), name: z.string(), namespace: z.string().optional() }))
    .default([]),
});

export type PolicyRule = z.infer<typeof ruleSchema>;

/** The verbs that change objects. */
export const WRITE_VERBS: readonly string[] = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** One rule a subject holds, and where it applies. */
export interface Grant {
  rule: PolicyRule;
  /** The namespace the rule applies in; undefined for cluster-wide (ClusterRoleBinding). */
  namespace: string | undefined;
  /** The binding and role it comes from, for messages. */
  via: string;
}

/** One API request to authorize. */
export interface Access {
  apiGroup: string;
  /** Resource, or `resource/subresource`. */
  resource: string;
  verb: string;
  /** Namespace of the object; undefined for a cluster-wide request (or a cluster-scoped object). */
  namespace?: string;
  /** Object name, when the request names one (resourceNames rules only match those). */
  name?: string;
}

/** Every rule the ServiceAccount `namespace/name` holds through the (Cluster)RoleBindings given. */
export function grantsOf(
  objects: readonly KubeObject[],
  serviceAccount: { namespace: string; name: string },
): Grant[] {
  const grants: Grant[] = [];
  for (const binding of objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')) {
    const { roleRef, subjects } = bindingSchema.parse(binding);
    const bindingNamespace = binding.kind === 'RoleBinding' ? binding.metadata.namespace : undefined;
    const boundHere = subjects.some(
      (s) =>
        s.kind === 'ServiceAccount' &&
        s.name === serviceAccount.name &&
        (s.namespace ?? bindingNamespace) === serviceAccount.namespace,
    );
    if (!boundHere) continue;
    const role = objects.find(
      (o) =>
        o.kind === roleRef.kind &&
        o.metadata.name === roleRef.name &&
        (roleRef.kind === 'ClusterRole' || o.metadata.namespace === bindingNamespace),
    );
    if (role === undefined) continue;
    for (const rule of roleSchema.parse(role).rules) {
      grants.push({
        rule,
        namespace: bindingNamespace,
        via: `${describeObject(binding)} → ${describeObject(role)}`,
      });
    }
  }
  return grants;
}

/** Whether one of the grants authorizes the access (the RBAC authorizer's matching, without wildcards). */
export function allows(grants: readonly Grant[], access: Access): boolean {
  return grants.some(({ rule, namespace }) => {
    if (namespace !== undefined && namespace !== access.namespace) return false;
    if (!rule.apiGroups.includes(access.apiGroup) && !rule.apiGroups.includes('*')) return false;
    if (!rule.resources.includes(access.resource) && !rule.resources.includes('*')) return false;
    if (!rule.verbs.includes(access.verb) && !rule.verbs.includes('*')) return false;
    if (rule.resourceNames !== undefined && rule.resourceNames.length > 0) {
      return access.name !== undefined && rule.resourceNames.includes(access.name);
    }
    return true;
  });
}

/** Every access a rule grants, one per (group, resource, verb, name), for "A holds all of B's rules". */
export function accessesOf(rule: PolicyRule, namespace?: string): Access[] {
  const names =
    rule.resourceNames !== undefined && rule.resourceNames.length > 0 ? rule.resourceNames : [undefined];
  return rule.apiGroups.flatMap((apiGroup) =>
    rule.resources.flatMap((resource) =>
      rule.verbs.flatMap((verb) =>
        names.map((name) => ({
          apiGroup,
          resource,
          verb,
          ...(namespace === undefined ? {} : { namespace }),
          ...(name === undefined ? {} : { name }),
        })),
      ),
    ),
  );
}

/** The rules of a Role or ClusterRole object. */
export function rulesOf(role: KubeObject): PolicyRule[] {
  return roleSchema.parse(role).rules;
}

/**
 * RBAC a reviewer rejects: `*` in apiGroups/resources/verbs/resourceNames, the escalate and
 * impersonate verbs, and bind without resourceNames (which would allow binding any role).
 */
export function rbacViolations(objects: readonly KubeObject[]): string[] {
  const violations: string[] = [];
  for (const role of objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')) {
    for (const [index, rule] of rulesOf(role).entries()) {
      const where = `${describeObject(role)} rule ${index}`;
      for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames', 'nonResourceURLs'] as const) {
        if ((rule[field] ?? []).some((v) => v.includes('*')))
          violations.push(`${where}: wildcard in ${field}`);
      }
      for (const verb of ['escalate', 'impersonate']) {
        if (rule.verbs.includes(verb)) violations.push(`${where}: grants ${verb}`);
      }
      if (rule.verbs.includes('bind') && (rule.resourceNames ?? []).length === 0) {
        violations.push(`${where}: grants bind on any role (no resourceNames)`);
      }
    }
  }
  return violations;
}
