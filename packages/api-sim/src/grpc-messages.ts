import type { ApiResource, ProtoTimestamp } from '@ambient-operator/api-contract';
import { API_RESOURCES, isoToTimestamp, timestampToIso } from '@ambient-operator/api-contract';
import { RESOURCE_SPECS, coerceField } from './resource-specs.js';
import type { FieldSpec } from './resource-specs.js';
import type { ApiObject } from './search.js';

/** A stored object as its proto message: `metadata` (ObjectReference) plus the fields, times as Timestamps. */
export function toMessage(resource: ApiResource, obj: ApiObject): Record<string, unknown> {
  const message: Record<string, unknown> = {
    metadata: {
      id: obj.id,
      kind: obj.kind,
      href: obj.href,
      created_at: isoToTimestamp(String(obj.created_at)),
      updated_at: isoToTimestamp(String(obj.updated_at)),
    },
  };
  for (const [field, spec] of Object.entries(RESOURCE_SPECS[resource].fields)) {
    const value = obj[field];
    if (value === undefined) continue;
    message[field] = spec.type === 'time' ? isoToTimestamp(String(value)) : value;
  }
  return message;
}

/**
 * The fields of a Create/Update/UpdateStatus request that `keep` selects, in the stored form. proto-loader
 * leaves unset optional fields out (defaults: false), so presence means "given".
 */
export function fieldsOfRequest(
  resource: ApiResource,
  request: Record<string, unknown>,
  keep: (field: string, spec: FieldSpec) => boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(RESOURCE_SPECS[resource].fields)) {
    const value = request[field];
    if (value === undefined || value === null || !keep(field, spec)) continue;
    out[field] =
      spec.type === 'time' ? timestampToIso(value as ProtoTimestamp) : coerceField(field, spec, value);
  }
  return out;
}

export function rpcNames(resource: ApiResource) {
  const { singular, pluralRpc } = API_RESOURCES[resource];
  return {
    get: `Get${singular}`,
    create: `Create${singular}`,
    update: `Update${singular}`,
    delete: `Delete${singular}`,
    list: `List${pluralRpc}`,
    watch: `Watch${pluralRpc}`,
  };
}
