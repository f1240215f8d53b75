import type { JsonObject } from './types.js';

/** The verbs discovery advertises for an ordinary read-write resource. */
export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** A CRD version's schema and printing rules. */
export interface CustomResourceVersion {
  name: string;
  schema: JsonObject | undefined;
  printerColumns: PrinterColumn[];
  hasStatusSubresource: boolean;
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/** One kind of object the simulator serves, identified by group + plural. */
export interface ResourceType {
  /** `group/plural`, the store's bucket key. */
  id: string;
  group: string;
  /** Served versions; objects are stored once and served under each (conversion strategy None). */
  versions: string[];
  storageVersion: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Subresource names served (`status`, `token`, `eviction`). */
  subresources: string[];
  /** Whether `status` is a subresource (main writes ignore status; /status writes only status). */
  hasStatusSubresource: boolean;
  /** Whether PUT without metadata.resourceVersion is accepted (false for custom resources). */
  allowUnconditionalUpdate: boolean;
  /** propagationPolicy used when a delete does not give one (batch/v1 Jobs orphan, as upstream). */
  defaultPropagationPolicy: 'Background' | 'Orphan';
  /** DNS rule for metadata.name. */
  nameRule: 'subdomain' | 'label';
  /** Set for resources defined by a CustomResourceDefinition. */
  custom?: { crdName: string; versions: Map<string, CustomResourceVersion> };
  /** A review (SelfSubjectAccessReview…): create only, answered and never stored (routes/reviews.ts). */
  review?: boolean;
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

interface BuiltinSpec {
  group?: string;
  version?: string;
  plural: string;
  kind: string;
  namespaced?: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: string[];
  statusSubresource?: boolean;
  nameRule?: 'subdomain' | 'label';
  defaultPropagationPolicy?: 'Background' | 'Orphan';
  review?: boolean;
}

const BUILTINS: BuiltinSpec[] = [
  {
    plural: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    statusSubresource: true,
    nameRule: 'label',
  },
  {
    plural: 'pods',
    kind: 'Pod',
    shortNames: ['po'],
    categories: ['all'],
    statusSubresource: true,
    subresources: ['eviction', 'log'],
  },
  {
    plural: 'services',
    kind: 'Service',
    shortNames: ['svc'],
    categories: ['all'],
    statusSubresource: true,
    nameRule: 'label',
  },
  { plural: 'serviceaccounts', kind: 'ServiceAccount', shortNames: ['sa'], subresources: ['token'] },
  { plural: 'secrets', kind: 'Secret' },
  { plural: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] },
  { plural: 'events', kind: 'Event', shortNames: ['ev'] },
  { plural: 'limitranges', kind: 'LimitRange', shortNames: ['limits'] },
  { plural: 'resourcequotas', kind: 'ResourceQuota', shortNames: ['quota'], statusSubresource: true },
  {
    plural: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    shortNames: ['pvc'],
    statusSubresource: true,
  },
  { plural: 'nodes', kind: 'Node', namespaced: false, shortNames: ['no'], statusSubresource: true },
  { group: 'rbac.authorization.k8s.io', plural: 'roles', kind: 'Role' },
  { group: 'rbac.authorization.k8s.io', plural: 'rolebindings', kind: 'RoleBinding' },
  { group: 'rbac.authorization.k8s.io', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false },
  {
    group: 'rbac.authorization.k8s.io',
    plural: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  },
  { group: 'networking.k8s.io', plural: 'networkpolicies', kind: 'NetworkPolicy', shortNames: ['netpol'] },
  {
    group: 'batch',
    plural: 'jobs',
    kind: 'Job',
    categories: ['all'],
    statusSubresource: true,
    defaultPropagationPolicy: 'Orphan',
  },
  { group: 'coordination.k8s.io', plural: 'leases', kind: 'Lease' },
  {
    group: 'apps',
    plural: 'deployments',
    kind: 'Deployment',
    shortNames: ['deploy'],
    categories: ['all'],
    statusSubresource: true,
    subresources: ['scale'],
  },
  {
    group: 'apps',
    plural: 'replicasets',
    kind: 'ReplicaSet',
    shortNames: ['rs'],
    categories: ['all'],
    statusSubresource: true,
  },
  {
    group: 'networking.k8s.io',
    plural: 'ingresses',
    kind: 'Ingress',
    shortNames: ['ing'],
    statusSubresource: true,
  },
  {
    group: 'policy',
    plural: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    shortNames: ['pdb'],
    statusSubresource: true,
  },
  { group: 'events.k8s.io', plural: 'events', kind: 'Event', shortNames: ['ev'] },
  {
    group: 'authorization.k8s.io',
    plural: 'selfsubjectaccessreviews',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
    review: true,
  },
  {
    group: 'authorization.k8s.io',
    plural: 'selfsubjectrulesreviews',
    kind: 'SelfSubjectRulesReview',
    namespaced: false,
    review: true,
  },
  {
    group: 'authentication.k8s.io',
    plural: 'selfsubjectreviews',
    kind: 'SelfSubjectReview',
    namespaced: false,
    review: true,
  },
  {
    group: 'apiextensions.k8s.io',
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    statusSubresource: true,
  },
];

function builtin(spec: BuiltinSpec): ResourceType {
  const group = spec.group ?? '';
  const version = spec.version ?? 'v1';
  const subresources = [...(spec.statusSubresource ? ['status'] : []), ...(spec.subresources ?? [])];
  return {
    id: `${group}/${spec.plural}`,
    group,
    versions: [version],
    storageVersion: version,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    namespaced: spec.namespaced ?? true,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    verbs: spec.review ? ['create'] : ALL_VERBS,
    subresources,
    hasStatusSubresource: spec.statusSubresource ?? false,
    allowUnconditionalUpdate: true,
    defaultPropagationPolicy: spec.defaultPropagationPolicy ?? 'Background',
    nameRule: spec.nameRule ?? 'subdomain',
    ...(spec.review ? { review: true } : {}),
  };
}

/** Which resources exist: the built-ins plus whatever CustomResourceDefinitions define. */
export class ResourceRegistry {
  private readonly byId = new Map<string, ResourceType>();

  constructor() {
    for (const spec of BUILTINS) this.add(builtin(spec));
  }

  add(type: ResourceType): void {
    this.byId.set(type.id, type);
  }

  remove(id: string): void {
    this.byId.delete(id);
  }

  byGroupResource(group: string, plural: string): ResourceType | undefined {
    return this.byId.get(`${group}/${plural}`);
  }

  /** The type served at `/apis/<group>/<version>/<plural>`, if that version is served. */
  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    const type = this.byId.get(`${group}/${plural}`);
    return type && type.versions.includes(version) ? type : undefined;
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    for (const type of this.byId.values()) {
      if (type.group === group && type.kind === kind && type.versions.includes(version ?? '')) return type;
    }
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.byId.values()];
  }

  /** Group → versions, in a stable order with the core group first. */
  groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const type of this.byId.values()) {
      const versions = groups.get(type.group) ?? [];
      for (const v of type.versions) if (!versions.includes(v)) versions.push(v);
      groups.set(type.group, versions);
    }
    return groups;
  }
}

/**
 * Built-ins the fidelity suite saw without metadata.generation on a real API server (their strategies never set
 * it). Everything else keeps kube-sim's spec-change counting.
 */
const WITHOUT_GENERATION = new Set([
  '/configmaps',
  '/secrets',
  '/serviceaccounts',
  '/namespaces',
  'coordination.k8s.io/leases',
]);

export function hasGeneration(type: ResourceType): boolean {
  return Boolean(type.custom) || !WITHOUT_GENERATION.has(type.id);
}
