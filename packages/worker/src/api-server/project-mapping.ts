import type { V1RoleBinding } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import type { ApiProject, ApiProjectSettings } from '@ambient-operator/api-contract';
import {
  MANAGED_BY_LABEL,
  MANAGED_LABEL,
  MANAGED_LABEL_VALUE,
  isDns1123Label,
  isDns1123Subdomain,
  isLabelValue,
} from '@ambient-operator/shared';
import { API_MANAGED_BY_VALUE, API_PROJECT_ID_LABEL } from '@ambient-operator/shared';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** On group RoleBindings made from API project settings: the settings' id (selects what a role change replaces). */
export const API_PROJECT_SETTINGS_ID_LABEL = 'ambient-code.io/project-settings-id';

/**
 * A project's namespace is its id. Upstream used lower(name), which splits from the id after a rename
 * (contract §5.12); the id never changes, so sessions (`project_id`) and the namespace always agree.
 */
export function projectNamespaceName(project: Pick<ApiProject, 'id'>): string {
  return project.id.toLowerCase();
}

/** Labels a project's namespace must carry (existing labels are kept). */
export function projectNamespaceLabels(projectId: string): Record<string, string> {
  const labels: Record<string, string> = {
    [MANAGED_LABEL]: MANAGED_LABEL_VALUE,
    [MANAGED_BY_LABEL]: API_MANAGED_BY_VALUE,
  };
  if (isLabelValue(projectId)) labels[API_PROJECT_ID_LABEL] = projectId;
  return labels;
}

export function isValidProjectNamespace(name: string): boolean {
  return isDns1123Label(name);
}

export interface GroupAccessEntry {
  group: string;
  role: string;
}

export interface GroupBindingsPlan {
  bindings: Wire<V1RoleBinding>[];
  /** Entries that give no binding (bad JSON, bad entry, invalid name): reported as warnings, as upstream. */
  warnings: string[];
}

/** `ambient-<group>-<role>`, as upstream names them (not lowercased; invalid names are skipped). */
export function groupBindingName(entry: GroupAccessEntry): string {
  return `ambient-${entry.group}-${entry.role}`;
}

/**
 * The RoleBindings a ProjectSettings' `group_access` asks for in `namespace`: one per `{group, role}`,
 * ClusterRole `role`, subject Group `group`. Invalid JSON only warns (upstream), so a typo in the API
 * never removes access that exists.
 */
export function planGroupBindings(settings: ApiProjectSettings, namespace: string): GroupBindingsPlan {
  const warnings: string[] = [];
  const text = settings.group_access;
  if (text === undefined || text === '') return { bindings: [], warnings };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { bindings: [], warnings: ['group_access is not valid JSON; nothing changed'] };
  }
  if (!Array.isArray(parsed))
    return { bindings: [], warnings: ['group_access must be a JSON array of {group, role}'] };
  const bindings: Wire<V1RoleBinding>[] = [];
  parsed.forEach((raw: unknown, i) => {
    const entry = raw as Partial<GroupAccessEntry> | null;
    if (typeof entry?.group !== 'string' || typeof entry.role !== 'string' || !entry.group || !entry.role) {
      warnings.push(`group_access[${i}] needs a group and a role`);
      return;
    }
    const name = groupBindingName(entry as GroupAccessEntry);
    if (!isDns1123Subdomain(name) || !isDns1123Subdomain(entry.role)) {
      warnings.push(`group_access[${i}]: "${name}" is not a valid RoleBinding name; skipped`);
      return;
    }
    bindings.push({
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'RoleBinding',
      metadata: {
        name,
        namespace,
        labels: {
          [MANAGED_LABEL]: MANAGED_LABEL_VALUE,
          [MANAGED_BY_LABEL]: API_MANAGED_BY_VALUE,
          [API_PROJECT_SETTINGS_ID_LABEL]: settings.id,
        },
      },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: entry.role },
      subjects: [{ apiGroup: RBAC_GROUP, kind: 'Group', name: entry.group }],
    });
  });
  return { bindings, warnings };
}
