export {
  AMBIENT_API_BASE_PATH,
  API_RESOURCES,
  API_RESOURCE_NAMES,
  API_SESSION_PHASES,
  PROJECT_NAME_MAX_LENGTH,
  PROJECT_NAME_PATTERN,
  STARTABLE_PHASES,
  STOPPABLE_PHASES,
  isValidProjectName,
} from './resources.js';
export type { ApiResource, ApiResourceNames, ApiSessionPhase } from './resources.js';
export { isoToMicros, isoToTimestamp, microsToIso, sameMicros, timestampToIso } from './timestamps.js';
export type { ProtoTimestamp } from './timestamps.js';
export {
  SESSION_STATUS_FIELDS,
  apiErrorSchema,
  apiListSchema,
  apiProjectSchema,
  apiProjectSettingsSchema,
  apiSessionSchema,
  apiUserSchema,
  sessionStatusPatchSchema,
} from './rest-objects.js';
export type {
  ApiErrorBody,
  ApiProject,
  ApiProjectSettings,
  ApiSession,
  ApiUser,
  SessionStatusPatch,
} from './rest-objects.js';
