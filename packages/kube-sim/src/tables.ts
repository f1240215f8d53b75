import type { PrinterColumn, ResourceType } from './resource-registry.js';
import { humanDuration } from './human-duration.js';
import { printPod, printPodWide } from './pod-printer.js';
import { formatLabelSelector } from './selectors.js';
import type { KubeObject } from './types.js';
import { isPlainObject } from './types.js';

type Obj = Record<string, unknown>;
type Cell = string | number | boolean | null;

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

interface Column {
  definition: ColumnDefinition;
  cell: (object: KubeObject, now: number) => Cell;
}

function obj(value: unknown): Obj {
  return isPlainObject(value) ? value : {};
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

function age(timestamp: unknown, now: number): string {
  if (typeof timestamp !== 'string') return '<unknown>';
  return humanDuration(now - Date.parse(timestamp));
}

function col(name: string, cell: Column['cell'], type = 'string', format = '', priority = 0): Column {
  return { definition: { name, type, format, description: name, priority }, cell };
}

const nameColumn = col('Name', (o) => o.metadata.name ?? '', 'string', 'name');
const ageColumn = col('Age', (o, now) => age(o.metadata.creationTimestamp, now));

function conditionTrue(object: KubeObject, type: string): boolean {
  return list(obj(object.status).conditions).some((c) => c.type === type && c.status === 'True');
}

function containerNames(workload: KubeObject, pick: (container: Obj) => string): string {
  return list(obj(obj(obj(workload.spec).template).spec).containers)
    .map(pick)
    .join(',');
}

/** CONTAINERS, IMAGES, SELECTOR: the `-o wide` columns of Jobs and Deployments. */
const workloadWideColumns = [
  col('Containers', (o) => containerNames(o, (c) => String(c.name ?? '')), 'string', '', 1),
  col('Images', (o) => containerNames(o, (c) => String(c.image ?? '')), 'string', '', 1),
  col('Selector', (o) => formatLabelSelector(obj(o.spec).selector) || '<none>', 'string', '', 1),
];

const BUILTIN_COLUMNS: Record<string, Column[]> = {
  '/pods': [
    nameColumn,
    col('Ready', (o, now) => printPod(o, now).ready),
    col('Status', (o, now) => printPod(o, now).status),
    col('Restarts', (o, now) => printPod(o, now).restarts),
    ageColumn,
    ...['IP', 'Node', 'Nominated Node', 'Readiness Gates'].map((name, i) =>
      col(name, (o) => printPodWide(o)[i] ?? '', 'string', '', 1),
    ),
  ],
  'batch/jobs': [
    nameColumn,
    col('Status', (o) => {
      if (conditionTrue(o, 'Complete')) return 'Complete';
      if (conditionTrue(o, 'Failed')) return 'Failed';
      if (o.metadata.deletionTimestamp) return 'Terminating';
      if (conditionTrue(o, 'Suspended') || obj(o.spec).suspend === true) return 'Suspended';
      if (conditionTrue(o, 'FailureTarget')) return 'FailureTarget';
      return 'Running';
    }),
    col(
      'Completions',
      (o) => `${Number(obj(o.status).succeeded ?? 0)}/${Number(obj(o.spec).completions ?? 1)}`,
    ),
    col('Duration', (o, now) => {
      const status = obj(o.status);
      if (typeof status.startTime !== 'string') return '';
      const end = typeof status.completionTime === 'string' ? Date.parse(status.completionTime) : now;
      return humanDuration(end - Date.parse(status.startTime));
    }),
    ageColumn,
    ...workloadWideColumns,
  ],
  '/namespaces': [nameColumn, col('Status', (o) => String(obj(o.status).phase ?? '')), ageColumn],
  '/services': [
    nameColumn,
    col('Type', (o) => String(obj(o.spec).type ?? 'ClusterIP')),
    col('Cluster-IP', (o) => String(obj(o.spec).clusterIP ?? '<none>')),
    col('External-IP', () => '<none>'),
    col(
      'Port(s)',
      (o) =>
        list(obj(o.spec).ports)
          .map((p) => `${String(p.port)}/${String(p.protocol ?? 'TCP')}`)
          .join(',') || '<none>',
    ),
    ageColumn,
  ],
  '/secrets': [
    nameColumn,
    col('Type', (o) => String(o.type ?? 'Opaque')),
    col('Data', (o) => Object.keys(obj(o.data)).length, 'integer'),
    ageColumn,
  ],
  '/configmaps': [
    nameColumn,
    col('Data', (o) => Object.keys(obj(o.data)).length + Object.keys(obj(o.binaryData)).length, 'integer'),
    ageColumn,
  ],
  '/serviceaccounts': [nameColumn, col('Secrets', (o) => list(o.secrets).length, 'integer'), ageColumn],
  'coordination.k8s.io/leases': [
    nameColumn,
    col('Holder', (o) => String(obj(o.spec).holderIdentity ?? '')),
    ageColumn,
  ],
  '/nodes': [
    nameColumn,
    col('Status', (o) => (conditionTrue(o, 'Ready') ? 'Ready' : 'NotReady')),
    col('Roles', () => '<none>'),
    ageColumn,
    col('Version', (o) => String(obj(obj(o.status).nodeInfo).kubeletVersion ?? '')),
  ],
  '/events': [
    col('Last Seen', (o, now) => age(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp, now)),
    col('Type', (o) => String(o.type ?? '')),
    col('Reason', (o) => String(o.reason ?? '')),
    col('Object', (o) => {
      const ref = obj(o.involvedObject);
      return `${String(ref.kind ?? '').toLowerCase()}/${String(ref.name ?? '')}`;
    }),
    col('Message', (o) => String(o.message ?? '')),
  ],
  'apps/deployments': [
    nameColumn,
    col('Ready', (o) => `${Number(obj(o.status).readyReplicas ?? 0)}/${Number(obj(o.spec).replicas ?? 1)}`),
    col('Up-to-date', (o) => Number(obj(o.status).updatedReplicas ?? 0), 'integer'),
    col('Available', (o) => Number(obj(o.status).availableReplicas ?? 0), 'integer'),
    ageColumn,
    ...workloadWideColumns,
  ],
  'apps/replicasets': [
    nameColumn,
    col('Desired', (o) => Number(obj(o.spec).replicas ?? 1), 'integer'),
    col('Current', (o) => Number(obj(o.status).replicas ?? 0), 'integer'),
    col('Ready', (o) => Number(obj(o.status).readyReplicas ?? 0), 'integer'),
    ageColumn,
    ...workloadWideColumns,
  ],
  'networking.k8s.io/ingresses': [
    nameColumn,
    col('Class', (o) => String(obj(o.spec).ingressClassName ?? '<none>')),
    col(
      'Hosts',
      (o) =>
        list(obj(o.spec).rules)
          .map((r) => String(r.host ?? '*'))
          .join(',') || '*',
    ),
    col('Address', () => ''),
    col('Ports', (o) => (list(obj(o.spec).tls).length > 0 ? '80, 443' : '80')),
    ageColumn,
  ],
  'policy/poddisruptionbudgets': [
    nameColumn,
    col('Min Available', (o) => String(obj(o.spec).minAvailable ?? 'N/A')),
    col('Max Unavailable', (o) => String(obj(o.spec).maxUnavailable ?? 'N/A')),
    col('Allowed Disruptions', (o) => Number(obj(o.status).disruptionsAllowed ?? 0), 'integer'),
    ageColumn,
  ],
  'events.k8s.io/events': [
    col('Last Seen', (o, now) =>
      age(o.deprecatedLastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp, now),
    ),
    col('Type', (o) => String(o.type ?? '')),
    col('Reason', (o) => String(o.reason ?? '')),
    col('Object', (o) => {
      const ref = obj(o.regarding);
      return `${String(ref.kind ?? '').toLowerCase()}/${String(ref.name ?? '')}`;
    }),
    col('Message', (o) => String(o.note ?? '')),
  ],
  'apiextensions.k8s.io/customresourcedefinitions': [
    nameColumn,
    col('Created At', (o) => String(o.metadata.creationTimestamp ?? ''), 'date'),
  ],
};

/** Evaluates the simple JSONPath forms printer columns use: `.a.b`, `.a[0].b`, `.a[?(@.k=="v")].b`. */
export function evalJsonPath(object: unknown, path: string): unknown {
  const tokens = path.replace(/^\{|\}$/g, '').match(/\.[^.[\]]+|\[[^\]]*\]/g) ?? [];
  let current: unknown = object;
  for (const token of tokens) {
    if (current === undefined || current === null) return undefined;
    if (token.startsWith('.')) {
      current = obj(current)[token.slice(1)];
      continue;
    }
    const inner = token.slice(1, -1);
    const filter = /^\?\(@\.([\w.-]+)\s*==\s*["']([^"']*)["']\)$/.exec(inner);
    if (filter) {
      const items = Array.isArray(current) ? current : [];
      current = items.find((item) => String(evalJsonPath(item, `.${filter[1]}`)) === filter[2]);
    } else if (/^-?\d+$/.test(inner)) {
      const items = Array.isArray(current) ? current : [];
      const i = Number(inner);
      current = items[i < 0 ? items.length + i : i];
    } else {
      current = obj(current)[inner.replace(/^['"]|['"]$/g, '')];
    }
  }
  return current;
}

/**
 * A CRD column's cell as apiextensions' table convertor computes it: `string` columns print any value
 * (objects as JSON), `date` columns become an age, and `integer`/`number`/`boolean` columns are empty
 * (null) when the value has another type, as are missing values.
 */
function crdCell(type: string, value: unknown, now: number): Cell {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'string':
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'date':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? age(value, now) : null;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    default:
      return null;
  }
}

function printerColumn(def: PrinterColumn): Column {
  const column = col(
    def.name,
    (o, now) => crdCell(def.type, evalJsonPath(o, def.jsonPath), now),
    def.type,
    def.format ?? '',
    def.priority ?? 0,
  );
  column.definition.description =
    def.description ?? `Custom resource definition column (in JSONPath format): ${def.jsonPath}`;
  return column;
}

function columnsFor(type: ResourceType, version: string): Column[] {
  const builtin = BUILTIN_COLUMNS[type.id];
  if (builtin) return builtin;
  const printer = type.custom?.versions.get(version)?.printerColumns ?? [];
  if (printer.length) return [nameColumn, ...printer.map(printerColumn)];
  return [nameColumn, ageColumn];
}

export function partialObjectMetadata(object: KubeObject): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

export interface TableOptions {
  includeObject: IncludeObject;
  version: string;
  /** Leave column definitions out (later events of a watch). */
  noHeaders?: boolean;
}

/** A meta.k8s.io/v1 Table, what `kubectl get` asks for. */
export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  options: TableOptions,
  listMeta: { resourceVersion?: string; continue?: string } = {},
): KubeObject {
  const columns = columnsFor(type, options.version);
  const now = Date.now();
  const rows = objects.map((o) => {
    const row: Obj = { cells: columns.map((c) => c.cell(o, now)) };
    if (options.includeObject === 'Metadata') row.object = partialObjectMetadata(o);
    else if (options.includeObject === 'Object') row.object = o;
    return row;
  });
  const metadata: Obj = {};
  if (listMeta.resourceVersion) metadata.resourceVersion = listMeta.resourceVersion;
  if (listMeta.continue) metadata.continue = listMeta.continue;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: options.noHeaders ? [] : columns.map((c) => c.definition),
    rows,
  } as unknown as KubeObject;
}
