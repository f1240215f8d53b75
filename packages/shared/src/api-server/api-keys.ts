import type { ApiResource } from '@ambient-operator/api-contract';
import { InvalidKeyError } from '../errors.js';
import { formatKey, parseQueueKey, type KeyKind } from '../key-kinds.js';

/**
 * Queue keys of ambient-api-server objects: `api-session:<id>`, `api-project:<id>`, `api-ps:<id>` — kinds of scope
 * `id` in the key-kind table (key-kinds.ts), which owns their format; these name them by API resource.
 */
export type ApiKeyResource = Exclude<ApiResource, 'users'>;

const KIND_OF: Readonly<Record<ApiKeyResource, KeyKind>> = {
  sessions: 'api-session',
  projects: 'api-project',
  project_settings: 'api-ps',
};

export const API_KEY_PREFIXES: Readonly<Record<ApiKeyResource, string>> = {
  sessions: `${KIND_OF.sessions}:`,
  projects: `${KIND_OF.projects}:`,
  project_settings: `${KIND_OF.project_settings}:`,
};

export function apiKey(resource: ApiKeyResource, id: string): string {
  try {
    return formatKey({ kind: KIND_OF[resource], id });
  } catch {
    throw new InvalidKeyError(`invalid ambient-api-server id "${id}" for ${resource}`);
  }
}

export function isApiKey(key: string): boolean {
  return parseApiKeyOrUndefined(key) !== undefined;
}

function parseApiKeyOrUndefined(key: string): { resource: ApiKeyResource; id: string } | undefined {
  try {
    const ref = parseQueueKey(key);
    for (const [resource, kind] of Object.entries(KIND_OF)) {
      if (kind === ref.kind && ref.id !== undefined)
        return { resource: resource as ApiKeyResource, id: ref.id };
    }
  } catch {
    // not a key of ours at all
  }
  return undefined;
}

/** The resource and id of an api key. Throws {@link InvalidKeyError} (terminal) on anything else. */
export function parseApiKey(key: string): { resource: ApiKeyResource; id: string } {
  const parsed = parseApiKeyOrUndefined(key);
  if (!parsed)
    throw new InvalidKeyError(
      `invalid ambient-api-server key "${key}": expected api-session:<id>, api-project:<id> or api-ps:<id>`,
    );
  return parsed;
}
