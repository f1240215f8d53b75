import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { ApiError, badRequest } from './errors.js';
import { cloneJson, isPlainObject } from './types.js';

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

const CONTENT_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const base = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return CONTENT_TYPES[base];
}

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return cloneJson(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** RFC 6902 JSON patch, via fast-json-patch. Failures are 422 like the API server's. */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) {
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  try {
    return jsonPatch.applyPatch(cloneJson(target), operations as Operation[], true, true).newDocument;
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    throw new ApiError(
      422,
      'Invalid',
      `the server rejected our request due to an error in our request: ${message}`,
    );
  }
}

/**
 * Merge keys of built-in list fields (patchMergeKey in the Kubernetes Go types). A simplification:
 * keyed by field name alone, which is unambiguous for the types kube-sim serves.
 */
export const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  conditions: 'type',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  resourceClaims: 'name',
  topologySpreadConstraints: 'topologyKey',
};

/** Primitive lists with patchStrategy=merge (set union). */
export const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

/**
 * Strategic merge patch for built-in kinds: maps merge, keyed lists (see MERGE_KEYS) merge by key,
 * `$patch: replace|delete`, `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` (ordering
 * ignored) are honoured; `$retainKeys` is ignored; other lists are replaced.
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown, resourceId?: string): unknown {
  let effective = patch;
  for (const path of REPLACED_FIELDS[resourceId ?? ''] ?? []) effective = markReplace(effective, path);
  return mergeMap(isPlainObject(target) ? target : {}, effective);
}

/** Fields with patchStrategy=replace in the Go types: a patch replaces them whole instead of merging. */
const REPLACED_FIELDS: Record<string, string[][]> = {
  'policy/poddisruptionbudgets': [['spec', 'selector']],
};

function markReplace(patch: unknown, path: string[]): unknown {
  if (!isPlainObject(patch)) return patch;
  const [head, ...rest] = path;
  const value = patch[head!];
  if (!isPlainObject(value)) return patch;
  return { ...patch, [head!]: rest.length ? markReplace(value, rest) : { ...value, $patch: 'replace' } };
}

function mergeMap(target: Record<string, unknown>, patch: unknown): unknown {
  if (!isPlainObject(patch)) return stripDirectives(patch);
  if (patch.$patch === 'replace') return stripDirectives(patch);
  if (patch.$patch === 'delete') return undefined;
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(value))
        result[field] = current.filter((v) => !value.includes(v));
      continue;
    }
    if (key.startsWith('$')) continue;
    if (value === null) {
      delete result[key];
      continue;
    }
    const current = result[key];
    if (Array.isArray(value)) {
      const mergeKey = MERGE_KEYS[key];
      if (key === 'ports' && value.every((v) => isPlainObject(v))) {
        const portKey = value.some((v) => isPlainObject(v) && 'containerPort' in v)
          ? 'containerPort'
          : 'port';
        result[key] = mergeKeyedList(Array.isArray(current) ? current : [], value, portKey);
      } else if (mergeKey) {
        result[key] = mergeKeyedList(Array.isArray(current) ? current : [], value, mergeKey);
      } else if (MERGED_PRIMITIVE_LISTS.has(key)) {
        const merged = Array.isArray(current) ? [...current] : [];
        for (const v of value) if (!merged.includes(v)) merged.push(v);
        result[key] = merged;
      } else {
        result[key] = stripDirectives(value);
      }
      continue;
    }
    if (isPlainObject(value)) {
      const merged = mergeMap(isPlainObject(current) ? current : {}, value);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
      continue;
    }
    result[key] = value;
  }
  return result;
}

function mergeKeyedList(current: unknown[], patchItems: unknown[], mergeKey: string): unknown[] {
  if (
    patchItems.some(
      (item) => isPlainObject(item) && item.$patch === 'replace' && Object.keys(item).length === 1,
    )
  ) {
    return patchItems
      .filter((item) => !(isPlainObject(item) && item.$patch === 'replace'))
      .map(stripDirectives);
  }
  const result = [...current];
  for (const item of patchItems) {
    if (!isPlainObject(item)) {
      result.push(item);
      continue;
    }
    const index = result.findIndex(
      (existing) => isPlainObject(existing) && existing[mergeKey] === item[mergeKey],
    );
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) result[index] = mergeMap(result[index] as Record<string, unknown>, item);
    else result.push(stripDirectives(item));
  }
  return result;
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) continue;
    out[k] = stripDirectives(v);
  }
  return out;
}
