import type { ApiResource } from '@ambient-operator/api-contract';
import { InvalidKeyError } from '../errors.js';

/**
 * Queue keys of ambient-api-server objects: `api-session:<id>`, `api-project:<id>`, `api-ps:<id>`. They
 * share the sessions queue with `namespace/name` and `ps:<namespace>` keys (none of which contains
 * `api-…:` before a slash-free id), so one queue keeps its guarantees for every kind.
 */
export type ApiKeyResource = Exclude<ApiResource, 'users'>;

export const API_KEY_PREFIXES: Readonly<Record<ApiKeyResource, string>> = {
  sessions: 'api-session:',
  projects: 'api-project:',
  project_settings: 'api-ps:',
};

/** API ids are KSUIDs or project names; anything else is refused before it reaches the queue. */
const API_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,252}$/;

export function apiKey(resource: ApiKeyResource, id: string): string {
  if (!API_ID.test(id)) throw new InvalidKeyError(`invalid ambient-api-server id "${id}" for ${resource}`);
  return `${API_KEY_PREFIXES[resource]}${id}`;
}

export function isApiKey(key: string): boolean {
  return key.startsWith('api-') && parseApiKeyOrUndefined(key) !== undefined;
}

function parseApiKeyOrUndefined(key: string): { resource: ApiKeyResource; id: string } | undefined {
  for (const [resource, prefix] of Object.entries(API_KEY_PREFIXES) as Array<[ApiKeyResource, string]>) {
    if (key.startsWith(prefix)) {
      const id = key.slice(prefix.length);
      return API_ID.test(id) ? { resource, id } : undefined;
    }
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
