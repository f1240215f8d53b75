import { z } from 'zod';

/**
 * The REST objects as a client reads them. Null fields are omitted by the server, so every field but
 * the identity is optional; unknown fields are kept (newer servers add some, see the contract §6).
 * JSON-string fields (`repos`, `conditions`, …) stay strings here: they are opaque to the server and
 * parsed by whoever maps them.
 */
const objectReference = {
  id: z.string().min(1),
  kind: z.string(),
  href: z.string().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
};

const str = z.string().optional();
const int = z.number().int().optional();

export const apiSessionSchema = z.looseObject({
  ...objectReference,
  name: z.string(),
  repo_url: str,
  prompt: str,
  created_by_user_id: str,
  assigned_user_id: str,
  workflow_id: str,
  repos: str,
  timeout: int,
  llm_model: str,
  llm_temperature: z.number().optional(),
  llm_max_tokens: int,
  parent_session_id: str,
  bot_account_name: str,
  resource_overrides: str,
  environment_variables: str,
  labels: str,
  annotations: str,
  project_id: str,
  phase: str,
  start_time: str,
  completion_time: str,
  sdk_session_id: str,
  sdk_restart_count: int,
  conditions: str,
  reconciled_repos: str,
  reconciled_workflow: str,
  kube_cr_name: str,
  kube_cr_uid: str,
  kube_namespace: str,
});
export type ApiSession = z.infer<typeof apiSessionSchema>;

export const apiProjectSchema = z.looseObject({
  ...objectReference,
  name: z.string(),
  display_name: str,
  description: str,
  labels: str,
  annotations: str,
  status: str,
});
export type ApiProject = z.infer<typeof apiProjectSchema>;

export const apiProjectSettingsSchema = z.looseObject({
  ...objectReference,
  project_id: z.string(),
  group_access: str,
  repositories: str,
});
export type ApiProjectSettings = z.infer<typeof apiProjectSettingsSchema>;

export const apiUserSchema = z.looseObject({
  ...objectReference,
  username: z.string(),
  name: z.string(),
  email: str,
});
export type ApiUser = z.infer<typeof apiUserSchema>;

/** The body of `PATCH /sessions/{id}/status`: only these keys are applied. */
export const sessionStatusPatchSchema = z.strictObject({
  phase: str,
  start_time: str,
  completion_time: str,
  sdk_session_id: str,
  sdk_restart_count: int,
  conditions: str,
  reconciled_repos: str,
  reconciled_workflow: str,
  kube_cr_uid: str,
  kube_namespace: str,
});
export type SessionStatusPatch = z.infer<typeof sessionStatusPatchSchema>;
export const SESSION_STATUS_FIELDS = Object.keys(sessionStatusPatchSchema.shape) as Array<
  keyof SessionStatusPatch
>;

/** `{kind: "<Kind>List", page, size, total, items}`; `size` is the number of items returned. */
export function apiListSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({
    kind: z.string(),
    page: z.number().int(),
    size: z.number().int(),
    total: z.number().int(),
    items: z.array(item),
  });
}

/** The error envelope of every non-2xx JSON answer (401 is text/plain). */
export const apiErrorSchema = z.looseObject({
  kind: z.literal('Error'),
  id: z.string(),
  href: z.string().optional(),
  code: z.string(),
  reason: z.string(),
  operation_id: z.string().optional(),
});
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;
