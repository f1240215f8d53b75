import type { ApiResource } from '@ambient-operator/api-contract';
import { isoToMicros, microsToIso } from '@ambient-operator/api-contract';
import { ApiSimError } from './errors.js';

export type FieldType = 'string' | 'int32' | 'double' | 'time';

/** Who writes a field: REST POST, REST PATCH (and gRPC Update), the status write, or only the server. */
export interface FieldSpec {
  type: FieldType;
  post?: boolean;
  patch?: boolean;
  status?: boolean;
}

export interface ResourceSpec {
  required: readonly string[];
  fields: Readonly<Record<string, FieldSpec>>;
}

const writable = (type: FieldType): FieldSpec => ({ type, post: true, patch: true });
const status = (type: FieldType): FieldSpec => ({ type, status: true });
const server = (type: FieldType): FieldSpec => ({ type });

export const RESOURCE_SPECS: Readonly<Record<ApiResource, ResourceSpec>> = {
  sessions: {
    required: ['name'],
    fields: {
      name: writable('string'),
      repo_url: writable('string'),
      prompt: writable('string'),
      assigned_user_id: writable('string'),
      workflow_id: writable('string'),
      parent_session_id: writable('string'),
      bot_account_name: writable('string'),
      llm_model: writable('string'),
      repos: writable('string'),
      resource_overrides: writable('string'),
      environment_variables: writable('string'),
      labels: writable('string'),
      annotations: writable('string'),
      timeout: writable('int32'),
      llm_max_tokens: writable('int32'),
      llm_temperature: writable('double'),
      project_id: { type: 'string', post: true },
      created_by_user_id: server('string'),
      kube_cr_name: server('string'),
      phase: status('string'),
      sdk_session_id: status('string'),
      kube_cr_uid: status('string'),
      kube_namespace: status('string'),
      sdk_restart_count: status('int32'),
      start_time: status('time'),
      completion_time: status('time'),
      conditions: status('string'),
      reconciled_repos: status('string'),
      reconciled_workflow: status('string'),
    },
  },
  projects: {
    required: ['name'],
    fields: {
      name: writable('string'),
      display_name: writable('string'),
      description: writable('string'),
      labels: writable('string'),
      annotations: writable('string'),
      status: writable('string'),
    },
  },
  project_settings: {
    required: ['project_id'],
    fields: {
      project_id: writable('string'),
      group_access: writable('string'),
      repositories: writable('string'),
    },
  },
  users: {
    required: ['username', 'name'],
    fields: {
      username: writable('string'),
      name: writable('string'),
      email: writable('string'),
    },
  },
};

/** Fields every object carries besides its own. */
export const META_FIELDS = ['id', 'kind', 'href', 'created_at', 'updated_at'] as const;

/** Checks a value against its field type; times come back normalized to µs. */
export function coerceField(field: string, spec: FieldSpec, value: unknown): unknown {
  const bad = () =>
    ApiSimError.of('malformedBody', `invalid type for field "${field}": expected ${spec.type}`);
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') throw bad();
      return value;
    case 'int32':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31)
        throw bad();
      return value;
    case 'double':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad();
      return value;
    case 'time': {
      const micros = typeof value === 'string' ? isoToMicros(value) : undefined;
      if (micros === undefined) throw bad();
      return microsToIso(micros);
    }
  }
}

function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw ApiSimError.of('malformedBody', 'request body must be a JSON object');
  return body as Record<string, unknown>;
}

/**
 * A POST body: strict. A non-empty `id`, an unknown key, a wrong type or a missing required key is a
 * 400; keys the server owns (meta, status, server-set fields) are accepted and ignored.
 */
export function parseCreateBody(resource: ApiResource, body: unknown): Record<string, unknown> {
  const spec = RESOURCE_SPECS[resource];
  const input = requireObject(body);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === 'id') {
      if (value !== undefined && value !== null && value !== '')
        throw ApiSimError.of('validation', 'id must be empty on create');
      continue;
    }
    if ((META_FIELDS as readonly string[]).includes(key)) continue;
    const field = spec.fields[key];
    if (!field) throw ApiSimError.of('malformedBody', `unknown field "${key}"`);
    if (value === null || value === undefined) continue;
    const coerced = coerceField(key, field, value);
    if (field.post) out[key] = coerced;
  }
  for (const key of spec.required) {
    if (out[key] === undefined) throw ApiSimError.of('validation', `${key} is required`);
  }
  return out;
}

/** A PATCH body: unknown keys are ignored, only non-null keys of the patchable set are applied. */
export function parsePatchBody(resource: ApiResource, body: unknown): Record<string, unknown> {
  return pickFields(resource, requireObject(body), (f) => f.patch === true);
}

/** A `/status` body: the status fields only; unknown keys are ignored. */
export function parseStatusBody(body: unknown): Record<string, unknown> {
  return pickFields('sessions', requireObject(body), (f) => f.status === true);
}

function pickFields(
  resource: ApiResource,
  input: Record<string, unknown>,
  keep: (field: FieldSpec) => boolean,
): Record<string, unknown> {
  const spec = RESOURCE_SPECS[resource];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const field = spec.fields[key];
    if (!field || !keep(field) || value === null || value === undefined) continue;
    out[key] = coerceField(key, field, value);
  }
  return out;
}

/** Columns that `search` and `orderBy` may name. */
export function columnsOf(resource: ApiResource): Set<string> {
  return new Set([
    ...META_FIELDS.filter((f) => f !== 'kind' && f !== 'href'),
    ...Object.keys(RESOURCE_SPECS[resource].fields),
  ]);
}
