import { cloneJson, isPlainObject } from '../types.js';
import type { OpenApiSchema } from './openapi-schema.js';
import { childPath, indexPath } from './openapi-schema.js';

const ROOT_KEPT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Drops fields the schema does not declare, like the API server's structural pruning, and returns the
 * paths it dropped (`spec.prompt`) so the caller can apply fieldValidation. Fields under
 * x-kubernetes-preserve-unknown-fields are kept. `value` is modified in place.
 */
export function pruneUnknownFields(root: Record<string, unknown>, schema: OpenApiSchema): string[] {
  const unknown: string[] = [];
  pruneObject(root, schema, '', unknown, true);
  return unknown;
}

function pruneValue(
  value: unknown,
  schema: OpenApiSchema | undefined,
  path: string,
  unknown: string[],
): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => pruneValue(item, schema.items, indexPath(path, i), unknown));
  } else if (isPlainObject(value)) {
    pruneObject(value, schema, path, unknown, false);
  }
}

function pruneObject(
  value: Record<string, unknown>,
  schema: OpenApiSchema,
  path: string,
  unknown: string[],
  isRoot: boolean,
): void {
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  for (const key of Object.keys(value)) {
    if ((isRoot || embedded) && ROOT_KEPT_FIELDS.has(key)) continue;
    const property = schema.properties?.[key];
    if (property) {
      pruneValue(value[key], property, childPath(path, key), unknown);
      continue;
    }
    const additional = schema.additionalProperties;
    if (additional !== undefined && additional !== false) {
      if (typeof additional === 'object') pruneValue(value[key], additional, indexPath(path, key), unknown);
      continue;
    }
    if (preserve) continue;
    unknown.push(childPath(path, key));
    delete value[key];
  }
}

/**
 * Applies schema defaults like the API server: a missing (or non-nullable null) property gets its
 * default, then defaulting recurses, so nested defaults apply only where the parent exists.
 * Non-nullable nulls without a default are dropped. `value` is modified in place.
 */
export function applyDefaults(value: unknown, schema: OpenApiSchema | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const current = value[key];
    const isNonNullableNull = current === null && !property.nullable;
    if (current === undefined || isNonNullableNull) {
      if (property.default !== undefined) value[key] = cloneJson(property.default);
      else if (isNonNullableNull) delete value[key];
    }
  }
  for (const [key, child] of Object.entries(value)) {
    const property = schema.properties?.[key];
    if (property) applyDefaults(child, property);
    else if (typeof schema.additionalProperties === 'object')
      applyDefaults(child, schema.additionalProperties);
  }
}
