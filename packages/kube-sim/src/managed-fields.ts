import { ApiError } from './errors.js';
import { MERGE_KEYS, MERGED_PRIMITIVE_LISTS } from './patch.js';
import type { ResourceType } from './resource-registry.js';
import { asSchema, type OpenApiSchema } from './schema/openapi-schema.js';
import { cloneJson, deepEqualJson, isPlainObject, nowRfc3339, type KubeObject } from './types.js';

/**
 * Server-side apply's field ownership, for appliers only: each `Apply` manager in metadata.managedFields owns
 * the fields of its last applied configuration. A manager applying a different value to a field another
 * applier owns gets the API server's 409 (unless it forces, which takes the field); a field a manager stops
 * applying is removed unless another applier owns it. Writes other than apply record no ownership (see README).
 */

/** One step of a field path: a map key, a list item by its merge key, or a value of a set-like list. */
type Step = { field: string } | { key: Record<string, unknown> } | { value: unknown };
type Path = Step[];

interface ManagedFieldsEntry {
  manager: string;
  operation: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** How a list at `fields` (map keys from the root) merges: by key fields, as a set, or atomically. */
function listSemantics(type: ResourceType, version: string, fields: string[]): string[] | 'set' | 'atomic' {
  if (type.custom) {
    let schema: OpenApiSchema | undefined = asSchema(type.custom.versions.get(version)?.schema);
    for (const f of fields) schema = schema?.properties?.[f] ?? asSchema(schema?.additionalProperties);
    if (schema?.['x-kubernetes-list-type'] === 'map') return schema['x-kubernetes-list-map-keys'] ?? [];
    return schema?.['x-kubernetes-list-type'] === 'set' ? 'set' : 'atomic';
  }
  const last = fields[fields.length - 1] ?? '';
  if (MERGE_KEYS[last]) return [MERGE_KEYS[last]];
  return MERGED_PRIMITIVE_LISTS.has(last) ? 'set' : 'atomic';
}

/** The owned paths of a configuration: its leaves, plus each list item (which owns its key fields). */
function fieldPaths(type: ResourceType, version: string, config: Record<string, unknown>): Path[] {
  const out: Path[] = [];
  const walk = (value: unknown, path: Path, fields: string[]): void => {
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, { field: k }], [...fields, k]);
      return;
    }
    const semantics = Array.isArray(value) ? listSemantics(type, version, fields) : 'atomic';
    if (!Array.isArray(value) || semantics === 'atomic') {
      out.push(path);
    } else if (semantics === 'set') {
      for (const v of value) out.push([...path, { value: v }]);
    } else {
      for (const item of value.filter(isPlainObject)) {
        const itemPath = [...path, { key: Object.fromEntries(semantics.map((k) => [k, item[k]])) }];
        out.push(itemPath);
        for (const [k, v] of Object.entries(item)) walk(v, [...itemPath, { field: k }], [...fields, k]);
      }
    }
  };
  const { apiVersion: _a, kind: _k, metadata, ...rest } = config;
  const { name: _n, namespace: _ns, ...meta } = isPlainObject(metadata) ? metadata : {};
  walk({ ...rest, ...(Object.keys(meta).length ? { metadata: meta } : {}) }, [], []);
  return out;
}

/** fieldpath's string form, as conflict messages print it: `.spec.containers[name="main"].image`. */
function pathString(path: Path): string {
  return path
    .map((s) =>
      'field' in s
        ? `.${s.field}`
        : 'key' in s
          ? `[${Object.entries(s.key)
              .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
              .join(',')}]`
          : `[=${JSON.stringify(s.value)}]`,
    )
    .join('');
}

function stepKey(s: Step): string {
  return 'field' in s
    ? `f:${s.field}`
    : 'key' in s
      ? `k:${JSON.stringify(s.key)}`
      : `v:${JSON.stringify(s.value)}`;
}

function parseStepKey(key: string): Step {
  const body = key.slice(2);
  if (key.startsWith('k:')) return { key: JSON.parse(body) as Record<string, unknown> };
  return key.startsWith('v:') ? { value: JSON.parse(body) as unknown } : { field: body };
}

/** The FieldsV1 tree of paths (`{"f:data":{"f:a":{}}}`); an owned node that has owned children too gets `.`. */
function toFieldsV1(paths: Path[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const path of paths) {
    let node = root;
    for (const step of path) node = (node[stepKey(step)] ??= {}) as Record<string, unknown>;
    node['.'] = {};
  }
  const prune = (node: Record<string, unknown>): Record<string, unknown> => {
    const entries = Object.entries(node).map(([k, v]) => [k, prune(v as Record<string, unknown>)] as const);
    const keys = entries.filter(([k]) => k !== '.');
    return Object.fromEntries(keys.length ? entries : keys);
  };
  return prune(root);
}

function fromFieldsV1(tree: unknown, prefix: Path = []): Path[] {
  if (!isPlainObject(tree)) return [];
  const children = Object.keys(tree).filter((k) => k !== '.');
  if (children.length === 0) return prefix.length ? [prefix] : [];
  const own = '.' in tree ? [prefix] : [];
  return [...own, ...children.flatMap((k) => fromFieldsV1(tree[k], [...prefix, parseStepKey(k)]))];
}

function matches(item: unknown, key: Record<string, unknown>): boolean {
  return isPlainObject(item) && Object.entries(key).every(([k, v]) => deepEqualJson(item[k], v));
}

/** The value at `path`, or undefined. */
function valueAt(object: unknown, path: Path): unknown {
  let node: unknown = object;
  for (const step of path) {
    if ('field' in step) node = isPlainObject(node) ? node[step.field] : undefined;
    else if ('key' in step) node = Array.isArray(node) ? node.find((i) => matches(i, step.key)) : undefined;
    else
      node = Array.isArray(node) && node.some((v) => deepEqualJson(v, step.value)) ? step.value : undefined;
  }
  return node;
}

function removeAt(object: Record<string, unknown>, path: Path): void {
  const parent = valueAt(object, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if ('field' in last) {
    if (isPlainObject(parent)) delete parent[last.field];
    return;
  }
  if (!Array.isArray(parent)) return;
  const index = parent.findIndex((v) =>
    'key' in last ? matches(v, last.key) : deepEqualJson(v, last.value),
  );
  if (index >= 0) parent.splice(index, 1);
}

/**
 * Applies `manager`'s configuration's ownership to `merged` (the object with the configuration merged in):
 * refuses conflicts with other appliers (409, unless `force`), removes fields the manager no longer applies
 * that no other applier owns, and returns the object with its new managedFields.
 */
export function applyOwnership(
  type: ResourceType,
  live: KubeObject | undefined,
  config: Record<string, unknown>,
  merged: KubeObject,
  manager: string,
  force: boolean,
): KubeObject {
  const version =
    String(merged.apiVersion ?? '')
      .split('/')
      .pop() ?? '';
  const entries = (live?.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  const applied = fieldPaths(type, version, config);
  const appliedKeys = new Set(applied.map(pathString));
  const others = entries
    .filter((e) => e.operation === 'Apply' && e.manager !== manager)
    .map((e) => ({ entry: e, paths: fromFieldsV1(e.fieldsV1) }));
  const conflicts = others.flatMap(({ entry, paths }) =>
    paths
      .filter((p) => appliedKeys.has(pathString(p)) && !('key' in (p[p.length - 1] ?? {})))
      .filter((p) => !deepEqualJson(valueAt(live, p), valueAt(config, p)))
      .map((p) => ({ manager: entry.manager, path: p })),
  );
  if (conflicts.length && !force) throw conflictError(conflicts);
  const taken = new Set(conflicts.map((c) => `${c.manager} ${pathString(c.path)}`));
  const remaining = others.map(({ entry, paths }) => ({
    entry,
    paths: paths.filter((p) => !taken.has(`${entry.manager} ${pathString(p)}`)),
  }));
  const ownedByOthers = new Set(remaining.flatMap(({ paths }) => paths.map(pathString)));
  const previous = entries.find((e) => e.operation === 'Apply' && e.manager === manager);
  const result = cloneJson(merged);
  for (const p of fromFieldsV1(previous?.fieldsV1))
    if (!appliedKeys.has(pathString(p)) && !ownedByOthers.has(pathString(p))) removeAt(result, p);
  const entry = (e: ManagedFieldsEntry, paths: Path[]): ManagedFieldsEntry => ({
    ...e,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(paths),
  });
  const managedFields = [
    ...entries.filter((e) => e.operation !== 'Apply'),
    ...remaining.filter(({ paths }) => paths.length).map(({ entry: e, paths }) => entry(e, paths)),
    entry(
      { manager, operation: 'Apply', apiVersion: String(merged.apiVersion), time: nowRfc3339() },
      applied,
    ),
  ];
  result.metadata.managedFields = managedFields;
  return result;
}

function conflictError(conflicts: { manager: string; path: Path }[]): ApiError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${JSON.stringify(c.manager)}`,
    field: pathString(c.path),
  }));
  const message =
    conflicts.length === 1
      ? `Apply failed with 1 conflict: conflict with ${JSON.stringify(conflicts[0]!.manager)}: ${pathString(conflicts[0]!.path)}`
      : `Apply failed with ${conflicts.length} conflicts: ${[...new Set(conflicts.map((c) => c.manager))]
          .sort()
          .flatMap((m) => [
            `conflicts with ${JSON.stringify(m)}:`,
            ...conflicts.filter((c) => c.manager === m).map((c) => `- ${pathString(c.path)}`),
          ])
          .join('\n')}`;
  return new ApiError(409, 'Conflict', message, { causes });
}
