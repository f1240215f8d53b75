import { z } from 'zod';
import { AGENTIC_SESSION_KIND, CRD_API_VERSION } from '../constants.js';
import { mcpServersSchema } from './mcp-servers.js';
import { objectMetaSchema, type StoredObjectMeta } from './object-meta.js';
import { dateTime, integer, maxItems, validateWith, type ValidationResult } from './validation.js';

/**
 * AgenticSession (`vteam.ambient-code/v1alpha1`), exactly as deploy/crds/agenticsessions-crd.yaml:
 * same types, enums, minimums, required fields and defaults; unknown fields are errors (the API
 * server's strict field validation). `.default()` mirrors structural defaulting: a default applies
 * when the field is absent and its parent object is present. test/schema-agreement.test.ts proves the
 * agreement with the CRD document by document.
 */

/** `status.phase` values (CRD enum). The phase *model* lives in @ambient-operator/machines. */
export const SESSION_PHASES = [
  'Pending',
  'Creating',
  'Running',
  'Stopping',
  'Stopped',
  'Completed',
  'Failed',
] as const;
export type SessionPhase = (typeof SESSION_PHASES)[number];

export const STOPPED_REASONS = ['user', 'inactivity'] as const;
export type StoppedReason = (typeof STOPPED_REASONS)[number];

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

/**
 * Our additive status fields (deploy/crds/README.md). The API server prunes them unless the installed CRD
 * declares them, which upstream's does not: the worker checks at start-up (worker/src/cluster-probe.ts).
 */
export const ADDITIVE_STATUS_FIELDS = [
  'runnerRecreations',
  'lastRunnerRecreationTime',
  'phaseTransitionTime',
  'phaseHistory',
] as const;

/** Maximum length of `status.phaseHistory` (our additive field). */
export const PHASE_HISTORY_MAX_ITEMS = 20;

const enumOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of ${values.join(', ')}` });

export const repoSpecSchema = z.strictObject({
  url: z.string(),
  branch: z.string().default('main'),
  autoPush: z.boolean().default(false),
});

export const llmSettingsSchema = z.strictObject({
  model: z.string().default('claude-sonnet-4-6'),
  temperature: z.number().default(0.7),
  maxTokens: integer.default(4000),
});

export const activeWorkflowSchema = z.strictObject({
  gitUrl: z.string().optional(),
  branch: z.string().default('main'),
  path: z.string().optional(),
});

export const userContextSchema = z.strictObject({
  userId: z.string().optional(),
  displayName: z.string().optional(),
  groups: z.array(z.string()).optional(),
});

export const agenticSessionSpecSchema = z.strictObject({
  repos: z.array(repoSpecSchema).optional(),
  initialPrompt: z.string().optional(),
  displayName: z.string().optional(),
  userContext: userContextSchema.optional(),
  llmSettings: llmSettingsSchema.optional(),
  /** Seconds; forwarded as `TIMEOUT` only (upstream never enforces it). */
  timeout: integer.default(300),
  /** Idle seconds before auto-stop; 0 disables; absent = ProjectSettings, then the default. */
  inactivityTimeout: integer.min(0, { error: 'expected an integer ≥ 0' }).optional(),
  stopOnRunFinished: z.boolean().optional(),
  environmentVariables: z.record(z.string(), z.string()).optional(),
  mcpServers: mcpServersSchema.optional(),
  activeWorkflow: activeWorkflowSchema.optional(),
});

export const reconciledRepoSchema = z.strictObject({
  url: z.string().optional(),
  /** Deprecated upstream: use currentActiveBranch. */
  branch: z.string().optional(),
  branches: z.array(z.string()).optional(),
  currentActiveBranch: z.string().optional(),
  defaultBranch: z.string().optional(),
  name: z.string().optional(),
  status: enumOf(['Cloning', 'Ready', 'Failed']).optional(),
  clonedAt: dateTime.optional(),
});

export const reconciledWorkflowSchema = z.strictObject({
  gitUrl: z.string().optional(),
  branch: z.string().optional(),
  path: z.string().optional(),
  status: enumOf(['Cloning', 'Active', 'Failed']).optional(),
  appliedAt: dateTime.optional(),
});

export const sessionConditionSchema = z.strictObject({
  type: z.string(),
  status: enumOf(CONDITION_STATUSES),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: dateTime.optional(),
  observedGeneration: integer.optional(),
});

/** Additive (ours): one entry of `status.phaseHistory`. */
export const phaseHistoryEntrySchema = z.strictObject({
  from: z.string().optional(),
  to: z.string(),
  at: dateTime,
  reason: z.string().optional(),
});

export const agenticSessionStatusSchema = z.strictObject({
  observedGeneration: integer.optional(),
  phase: enumOf(SESSION_PHASES).default('Pending'),
  startTime: dateTime.optional(),
  completionTime: dateTime.optional(),
  reconciledRepos: z.array(reconciledRepoSchema).optional(),
  reconciledWorkflow: reconciledWorkflowSchema.optional(),
  /** Written by the backend on AG-UI activity. */
  lastActivityTime: dateTime.optional(),
  stoppedReason: enumOf(STOPPED_REASONS).optional(),
  sdkSessionId: z.string().optional(),
  sdkRestartCount: integer.optional(),
  conditions: z.array(sessionConditionSchema).optional(),
  // --- additive fields (deploy/crds/README.md) ---
  /** Re-creations of a vanished runner so far (bounded by MAX_RUNNER_RECREATIONS). */
  runnerRecreations: integer.min(0, { error: 'expected an integer ≥ 0' }).optional(),
  /** When the last re-creation was decided (basis of its backoff). */
  lastRunnerRecreationTime: dateTime.optional(),
  /** When `phase` last changed (basis of the Stopping grace timer). */
  phaseTransitionTime: dateTime.optional(),
  /** The last transitions, newest last, at most {@link PHASE_HISTORY_MAX_ITEMS}. */
  phaseHistory: maxItems(z.array(phaseHistoryEntrySchema), PHASE_HISTORY_MAX_ITEMS).optional(),
});

export const agenticSessionSchema = z.strictObject({
  apiVersion: z.literal(CRD_API_VERSION, { error: `expected "${CRD_API_VERSION}"` }),
  kind: z.literal(AGENTIC_SESSION_KIND, { error: `expected "${AGENTIC_SESSION_KIND}"` }),
  metadata: objectMetaSchema,
  spec: agenticSessionSpecSchema.optional(),
  status: agenticSessionStatusSchema.optional(),
});

/** An AgenticSession as written or stored: defaulted fields may be absent. */
export type AgenticSessionInput = z.input<typeof agenticSessionSchema>;
/** An AgenticSession after CRD defaulting (what the API server returns and what validation yields). */
export type AgenticSession = z.output<typeof agenticSessionSchema>;
export type AgenticSessionSpec = z.output<typeof agenticSessionSpecSchema>;
export type AgenticSessionStatus = z.output<typeof agenticSessionStatusSchema>;
/**
 * An AgenticSession with the identity the API server gives every stored object, as the worker builds a session's
 * children from it. The schema's input form: a field the CRD defaults may be absent (the builders default it alike).
 */
export type StoredAgenticSession = AgenticSessionInput & {
  metadata: StoredObjectMeta;
  spec: z.input<typeof agenticSessionSpecSchema>;
};
export type RepoSpec = z.output<typeof repoSpecSchema>;
export type LlmSettings = z.output<typeof llmSettingsSchema>;
export type ActiveWorkflow = z.output<typeof activeWorkflowSchema>;
export type UserContext = z.output<typeof userContextSchema>;
export type ReconciledRepo = z.output<typeof reconciledRepoSchema>;
export type ReconciledWorkflow = z.output<typeof reconciledWorkflowSchema>;
export type SessionCondition = z.output<typeof sessionConditionSchema>;
export type PhaseHistoryEntry = z.output<typeof phaseHistoryEntrySchema>;

/**
 * Validate an AgenticSession (e.g. as read from the API) and apply the CRD defaults. On failure the
 * issues name each offending field (`spec.repos[0].url`), ready for a condition message.
 */
export function validateAgenticSession(obj: unknown): ValidationResult<AgenticSession> {
  return validateWith(agenticSessionSchema, obj);
}
