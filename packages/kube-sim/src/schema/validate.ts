import type { StatusCause } from '../errors.js';
import { cause } from '../errors.js';
import { isPlainObject } from '../types.js';
import type { OpenApiSchema } from './openapi-schema.js';
import { childPath, indexPath } from './openapi-schema.js';

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Validates a custom resource against its CRD schema and returns field errors worded like the API
 * server's (`spec.repos[0].url: Required value`). CEL rules (x-kubernetes-validations) are not
 * evaluated, except the `self.metadata.name == '<literal>'` form (see README).
 */
export function validateAgainstSchema(value: unknown, schema: OpenApiSchema): StatusCause[] {
  const causes: StatusCause[] = [];
  validateValue(value, schema, '', causes, true);
  return causes;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, schema: OpenApiSchema): boolean {
  if (schema['x-kubernetes-int-or-string']) return typeof value === 'string' || Number.isInteger(value);
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

function validateValue(
  value: unknown,
  schema: OpenApiSchema,
  path: string,
  causes: StatusCause[],
  isRoot = false,
): void {
  const field = path || '<nil>';
  if (value === null) {
    if (!schema.nullable && schema.type) {
      causes.push(
        cause.typeInvalid(field, 'null', `${field} in body must be of type ${schema.type}: "null"`),
      );
    }
    return;
  }
  if (!matchesType(value, schema)) {
    const t = typeName(value);
    causes.push(
      cause.typeInvalid(field, t, `${field} in body must be of type ${schema.type}: ${JSON.stringify(t)}`),
    );
    return;
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    causes.push(cause.notSupported(field, value, schema.enum));
  }
  if (typeof value === 'number') validateNumber(value, schema, field, causes);
  if (typeof value === 'string') validateString(value, schema, field, causes);
  if (Array.isArray(value)) validateArray(value, schema, path, causes);
  if (isPlainObject(value)) validateObject(value, schema, path, causes, isRoot);
  for (const sub of schema.allOf ?? []) validateValue(value, { ...sub, type: sub.type }, path, causes);
  if (schema.anyOf && !schema.anyOf.some((sub) => validateAgainstSchemaQuiet(value, sub))) {
    causes.push(cause.invalid(field, value, `${field} in body must be of one of the anyOf schemas`));
  }
  if (schema.oneOf && schema.oneOf.filter((sub) => validateAgainstSchemaQuiet(value, sub)).length !== 1) {
    causes.push(cause.invalid(field, value, `${field} in body must match exactly one schema in oneOf`));
  }
  if (schema.not && validateAgainstSchemaQuiet(value, schema.not)) {
    causes.push(cause.invalid(field, value, `${field} in body should not match the schema in not`));
  }
}

function validateAgainstSchemaQuiet(value: unknown, schema: OpenApiSchema): boolean {
  const causes: StatusCause[] = [];
  validateValue(value, schema, 'x', causes);
  return causes.length === 0;
}

function validateNumber(value: number, schema: OpenApiSchema, field: string, causes: StatusCause[]) {
  if (schema.minimum !== undefined) {
    const ok = schema.exclusiveMinimum ? value > schema.minimum : value >= schema.minimum;
    if (!ok) {
      const op = schema.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
      causes.push(cause.invalid(field, value, `${field} in body should be ${op} ${schema.minimum}`));
    }
  }
  if (schema.maximum !== undefined) {
    const ok = schema.exclusiveMaximum ? value < schema.maximum : value <= schema.maximum;
    if (!ok) {
      const op = schema.exclusiveMaximum ? 'less than' : 'less than or equal to';
      causes.push(cause.invalid(field, value, `${field} in body should be ${op} ${schema.maximum}`));
    }
  }
  if (schema.format === 'int32' && (value > 2147483647 || value < -2147483648)) {
    causes.push(cause.invalid(field, value, `${field} in body must be of type int32: "${value}"`));
  }
}

function validateString(value: string, schema: OpenApiSchema, field: string, causes: StatusCause[]) {
  if (schema.maxLength !== undefined && [...value].length > schema.maxLength) {
    causes.push(cause.tooLong(field, schema.maxLength));
  }
  if (schema.minLength !== undefined && [...value].length < schema.minLength) {
    causes.push(
      cause.invalid(field, value, `${field} in body should be at least ${schema.minLength} chars long`),
    );
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) {
    causes.push(cause.invalid(field, value, `${field} in body should match '${schema.pattern}'`));
  }
  if (schema.format === 'date-time' && !DATE_TIME.test(value)) {
    causes.push(
      cause.invalid(field, value, `${field} in body must be of type date-time: ${JSON.stringify(value)}`),
    );
  }
}

function validateArray(value: unknown[], schema: OpenApiSchema, path: string, causes: StatusCause[]) {
  const field = path || '<nil>';
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    causes.push(cause.tooMany(field, value.length, schema.maxItems));
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    causes.push(
      cause.invalid(field, value.length, `${field} in body should have at least ${schema.minItems} items`),
    );
  }
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set' || listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const id =
        listType === 'set'
          ? JSON.stringify(item)
          : JSON.stringify(keys.map((k) => (isPlainObject(item) ? item[k] : undefined)));
      if (seen.has(id)) causes.push(cause.duplicate(indexPath(path, i), item));
      seen.add(id);
    });
  }
  if (schema.items)
    value.forEach((item, i) => validateValue(item, schema.items!, indexPath(path, i), causes));
}

function validateObject(
  value: Record<string, unknown>,
  schema: OpenApiSchema,
  path: string,
  causes: StatusCause[],
  isRoot: boolean,
) {
  for (const name of schema.required ?? []) {
    if (value[name] === undefined) causes.push(cause.required(childPath(path, name)));
  }
  const count = Object.keys(value).length;
  const field = path || '<nil>';
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    causes.push(cause.tooMany(field, count, schema.maxProperties));
  }
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    causes.push(
      cause.invalid(field, count, `${field} in body should have at least ${schema.minProperties} properties`),
    );
  }
  for (const [key, child] of Object.entries(value)) {
    if (isRoot && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
    const property = schema.properties?.[key];
    if (property) validateValue(child, property, childPath(path, key), causes);
    else if (typeof schema.additionalProperties === 'object') {
      validateValue(child, schema.additionalProperties, indexPath(path, key), causes);
    }
  }
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    // The one CEL form kube-sim evaluates: pinning metadata.name (ProjectSettings' singleton rule).
    const m = /^\s*self\.metadata\.name\s*==\s*'([^']*)'\s*$/.exec(rule.rule);
    if (!m) continue;
    const metadata = value.metadata;
    const name = isPlainObject(metadata) ? metadata.name : undefined;
    if (name !== m[1]) {
      causes.push(cause.invalid(path || '<nil>', 'object', rule.message ?? `failed rule: ${rule.rule}`));
    }
  }
}
