import { z } from 'zod';
import { CRD_API_VERSION, PROJECT_SETTINGS_KIND, PROJECT_SETTINGS_NAME } from '../constants.js';
import { mcpServersSchema } from './mcp-servers.js';
import { objectMetaSchema } from './object-meta.js';
import { integer, validateWith, type ValidationResult } from './validation.js';

/**
 * ProjectSettings (`vteam.ambient-code/v1alpha1`), exactly as deploy/crds/projectsettings-crd.yaml,
 * including its CEL rule `self.metadata.name == 'projectsettings'` (a singleton per namespace).
 */

export const GROUP_ACCESS_ROLES = ['admin', 'edit', 'view'] as const;
export type GroupAccessRole = (typeof GROUP_ACCESS_ROLES)[number];
export const REPOSITORY_PROVIDERS = ['github', 'gitlab'] as const;

export const groupAccessSchema = z.strictObject({
  groupName: z.string(),
  role: z.enum(GROUP_ACCESS_ROLES, { error: `expected one of ${GROUP_ACCESS_ROLES.join(', ')}` }),
});

export const projectRepositorySchema = z.strictObject({
  url: z.string(),
  branch: z.string().optional(),
  provider: z
    .enum(REPOSITORY_PROVIDERS, { error: `expected one of ${REPOSITORY_PROVIDERS.join(', ')}` })
    .optional(),
});

export const projectSettingsSpecSchema = z.strictObject({
  groupAccess: z.array(groupAccessSchema),
  /** Ignored by upstream's operator (it hard-codes ambient-runner-secrets). */
  runnerSecretsName: z.string().optional(),
  repositories: z.array(projectRepositorySchema).optional(),
  /** Project default idle timeout in seconds; 0 disables. */
  inactivityTimeoutSeconds: integer.min(0, { error: 'expected an integer ≥ 0' }).default(86400),
  mcpServers: mcpServersSchema.optional(),
});

export const projectSettingsStatusSchema = z.strictObject({
  groupBindingsCreated: integer.min(0, { error: 'expected an integer ≥ 0' }).optional(),
  scheduledSessionRBACReady: z.boolean().optional(),
  limitRangeReady: z.boolean().optional(),
});

const SINGLETON_MESSAGE = `metadata.name must be '${PROJECT_SETTINGS_NAME}' (singleton per namespace)`;

export const projectSettingsSchema = z
  .strictObject({
    apiVersion: z.literal(CRD_API_VERSION, { error: `expected "${CRD_API_VERSION}"` }),
    kind: z.literal(PROJECT_SETTINGS_KIND, { error: `expected "${PROJECT_SETTINGS_KIND}"` }),
    metadata: objectMetaSchema,
    spec: projectSettingsSpecSchema.optional(),
    status: projectSettingsStatusSchema.optional(),
  })
  .check(
    // The CRD's CEL rule. Runs even when other fields are invalid, like the API server, and is
    // reported at metadata.name (the field it constrains) rather than at the root.
    z.refine(
      (obj: unknown) => {
        const metadata =
          typeof obj === 'object' && obj !== null ? (obj as { metadata?: unknown }).metadata : undefined;
        const name =
          typeof metadata === 'object' && metadata !== null
            ? (metadata as { name?: unknown }).name
            : undefined;
        return name === undefined || name === PROJECT_SETTINGS_NAME;
      },
      { error: SINGLETON_MESSAGE, path: ['metadata', 'name'], when: () => true },
    ),
  );

export type ProjectSettingsInput = z.input<typeof projectSettingsSchema>;
export type ProjectSettings = z.output<typeof projectSettingsSchema>;
export type ProjectSettingsSpec = z.output<typeof projectSettingsSpecSchema>;
export type ProjectSettingsStatus = z.output<typeof projectSettingsStatusSchema>;
export type GroupAccess = z.output<typeof groupAccessSchema>;
export type ProjectRepository = z.output<typeof projectRepositorySchema>;

/** Validate a ProjectSettings (including the singleton-name rule) and apply the CRD defaults. */
export function validateProjectSettings(obj: unknown): ValidationResult<ProjectSettings> {
  return validateWith(projectSettingsSchema, obj);
}
