export { AmbientApiClient, apiObjectSchema } from './api-client.js';
export type { ApiClientOptions, ApiObjects, ListResult } from './api-client.js';
export { API_KEY_PREFIXES, apiKey, isApiKey, parseApiKey } from './api-keys.js';
export type { ApiKeyResource } from './api-keys.js';
export {
  API_MANAGED_BY_VALUE,
  API_PROJECT_ID_LABEL,
  API_SESSION_ID_LABEL,
  BOT_ACCOUNT_ANNOTATION,
  RESOURCE_OVERRIDES_ANNOTATION,
} from './api-labels.js';
