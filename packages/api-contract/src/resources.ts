/** The REST base path of every ambient-api-server resource. */
export const AMBIENT_API_BASE_PATH = '/api/ambient/v1';

/** The resources the server serves, by their REST plural. */
export type ApiResource = 'sessions' | 'projects' | 'project_settings' | 'users';

/** How one resource is named on each protocol. */
export interface ApiResourceNames {
  /** REST plural (path segment) and our name for the resource. */
  plural: ApiResource;
  /** `kind` of its objects. */
  kind: 'Session' | 'Project' | 'ProjectSettings' | 'User';
  /** gRPC service (package `ambient.v1`). */
  service: 'SessionService' | 'ProjectService' | 'ProjectSettingsService' | 'UserService';
  /** Suffix of its RPC names: Get{singular}, Create{singular}, … */
  singular: 'Session' | 'Project' | 'ProjectSettings' | 'User';
  /** Suffix of List{…} and Watch{…}. */
  pluralRpc: 'Sessions' | 'Projects' | 'ProjectSettings' | 'Users';
  /** Field of its watch event that carries the object. */
  eventField: 'session' | 'project' | 'project_settings' | 'user';
}

export const API_RESOURCES: Readonly<Record<ApiResource, ApiResourceNames>> = {
  sessions: {
    plural: 'sessions',
    kind: 'Session',
    service: 'SessionService',
    singular: 'Session',
    pluralRpc: 'Sessions',
    eventField: 'session',
  },
  projects: {
    plural: 'projects',
    kind: 'Project',
    service: 'ProjectService',
    singular: 'Project',
    pluralRpc: 'Projects',
    eventField: 'project',
  },
  project_settings: {
    plural: 'project_settings',
    kind: 'ProjectSettings',
    service: 'ProjectSettingsService',
    singular: 'ProjectSettings',
    pluralRpc: 'ProjectSettings',
    eventField: 'project_settings',
  },
  users: {
    plural: 'users',
    kind: 'User',
    service: 'UserService',
    singular: 'User',
    pluralRpc: 'Users',
    eventField: 'user',
  },
};

export const API_RESOURCE_NAMES: readonly ApiResource[] = [
  'sessions',
  'projects',
  'project_settings',
  'users',
];

/** Session phases, case-sensitive as the server checks them. */
export const API_SESSION_PHASES = [
  'Pending',
  'Creating',
  'Running',
  'Stopping',
  'Stopped',
  'Completed',
  'Failed',
] as const;
export type ApiSessionPhase = (typeof API_SESSION_PHASES)[number];

/** Phases from which `/start` is allowed (besides unset and ""). */
export const STARTABLE_PHASES: readonly string[] = ['Stopped', 'Failed', 'Completed'];
/** Phases from which `/stop` is allowed. */
export const STOPPABLE_PHASES: readonly string[] = ['Pending', 'Creating', 'Running'];

/** A project's id is its name, and the name must be a DNS-1123-like label of 2–63 chars. */
export const PROJECT_NAME_PATTERN = /^[a-z][a-z0-9-]*[a-z0-9]$/;
export const PROJECT_NAME_MAX_LENGTH = 63;

export function isValidProjectName(name: string): boolean {
  return name.length >= 2 && name.length <= PROJECT_NAME_MAX_LENGTH && PROJECT_NAME_PATTERN.test(name);
}
