import { z } from 'zod';
import { SCHEDULER_API_VERSION, USER_DEPLOYMENT_KIND } from '../constants.js';
import { isDns1035Label } from '../names.js';
import { objectMetaSchema } from './object-meta.js';
import { dateTime, integer, maxItems, validateWith, type ValidationResult } from './validation.js';

/**
 * UserDeployment (`scheduler.ambient-code.io/v1alpha1`), exactly as deploy/crds/userdeployments-crd.yaml
 * (test/user-deployment-schema.test.ts compares both on a corpus), and the template its ConfigMap holds.
 */

export const USER_DEPLOYMENT_DESIRED_STATES = ['running', 'deleted'] as const;
export type UserDeploymentDesiredState = (typeof USER_DEPLOYMENT_DESIRED_STATES)[number];
export const USER_DEPLOYMENT_PHASES = [
  'Pending',
  'Provisioning',
  'Running',
  'Degraded',
  'Deleting',
  'Deleted',
  'Failed',
] as const;
export type UserDeploymentPhase = (typeof USER_DEPLOYMENT_PHASES)[number];
export const EXPOSURES = ['public', 'internal', 'none'] as const;
export type Exposure = (typeof EXPOSURES)[number];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_MESSAGE = 'expected a DNS-1123 label (lowercase letters, digits, "-", ≤ 63)';
const oneOf = (values: readonly string[]) => ({ error: `expected one of ${values.join(', ')}` });

/** `maxProperties` as a refinement that always runs (like {@link maxItems}). */
function stringMap(max: number) {
  return z.record(z.string(), z.string({ error: 'expected a string' })).check(
    z.refine((map: Record<string, string>) => Object.keys(map).length <= max, {
      error: `must have at most ${max} entries`,
      when: () => true,
    }),
  );
}

const lengthBetween = (min: number, max: number) =>
  z
    .string()
    .min(min, { error: `expected at least ${min} character${min === 1 ? '' : 's'}` })
    .max(max, { error: `expected at most ${max} characters` });
const dnsLabel = lengthBetween(1, 63).regex(DNS_LABEL, { error: DNS_LABEL_MESSAGE });

export const userDeploymentSecretSchema = z.strictObject({
  name: dnsLabel,
  remoteKey: lengthBetween(1, Number.MAX_SAFE_INTEGER),
});

export const serviceOverrideSchema = z.strictObject({
  name: lengthBetween(1, 63),
  replicas: integer
    .min(0, { error: 'expected an integer ≥ 0' })
    .max(100, { error: 'expected an integer ≤ 100' })
    .optional(),
  imageTag: lengthBetween(1, 128).optional(),
  env: stringMap(100).optional(),
});

export const userDeploymentSpecSchema = z.strictObject({
  desiredState: z
    .enum(USER_DEPLOYMENT_DESIRED_STATES, oneOf(USER_DEPLOYMENT_DESIRED_STATES))
    .default('running'),
  template: z.strictObject({
    configMapRef: z.strictObject({ name: lengthBetween(1, 253) }),
  }),
  config: stringMap(100).optional(),
  secrets: maxItems(z.array(userDeploymentSecretSchema), 50).optional(),
  namespace: dnsLabel.optional(),
  services: maxItems(z.array(serviceOverrideSchema), 50).optional(),
});

export const userDeploymentUrlSchema = z.strictObject({
  service: z.string(),
  exposure: z.enum(['public', 'internal'], oneOf(['public', 'internal'])),
  url: z.string(),
});

export const userDeploymentServiceStatusSchema = z.strictObject({
  name: z.string(),
  image: z.string().optional(),
  replicas: integer.optional(),
  readyReplicas: integer.optional(),
  updatedReplicas: integer.optional(),
});

const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
export const userDeploymentConditionSchema = z.strictObject({
  type: z.string(),
  status: z.enum(CONDITION_STATUSES, oneOf(CONDITION_STATUSES)),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: dateTime.optional(),
  observedGeneration: integer.optional(),
});

export const userDeploymentStatusSchema = z.strictObject({
  phase: z.enum(USER_DEPLOYMENT_PHASES, oneOf(USER_DEPLOYMENT_PHASES)).optional(),
  observedGeneration: integer.optional(),
  namespace: z.string().optional(),
  phaseTransitionTime: dateTime.optional(),
  urls: maxItems(z.array(userDeploymentUrlSchema), 50).optional(),
  services: maxItems(z.array(userDeploymentServiceStatusSchema), 50).optional(),
  conditions: maxItems(z.array(userDeploymentConditionSchema), 10).optional(),
});

export const userDeploymentSchema = z.strictObject({
  apiVersion: z.literal(SCHEDULER_API_VERSION, { error: `expected "${SCHEDULER_API_VERSION}"` }),
  kind: z.literal(USER_DEPLOYMENT_KIND, { error: `expected "${USER_DEPLOYMENT_KIND}"` }),
  metadata: objectMetaSchema,
  spec: userDeploymentSpecSchema.optional(),
  status: userDeploymentStatusSchema.optional(),
});

export type UserDeployment = z.output<typeof userDeploymentSchema>;
export type UserDeploymentSpec = z.output<typeof userDeploymentSpecSchema>;
export type UserDeploymentStatus = z.output<typeof userDeploymentStatusSchema>;
export type UserDeploymentCondition = z.output<typeof userDeploymentConditionSchema>;
export type UserDeploymentUrl = z.output<typeof userDeploymentUrlSchema>;
export type UserDeploymentServiceStatus = z.output<typeof userDeploymentServiceStatusSchema>;
export type UserDeploymentSecret = z.output<typeof userDeploymentSecretSchema>;
export type ServiceOverride = z.output<typeof serviceOverrideSchema>;

/** Validate a UserDeployment and apply the CRD defaults. */
export function validateUserDeployment(obj: unknown): ValidationResult<UserDeployment> {
  return validateWith(userDeploymentSchema, obj);
}

// --- the template (key template.yaml of the ConfigMap named by spec.template.configMapRef) ---

/** Services become Deployments, Services and Ingresses named after them: a DNS-1035 label. */
const serviceName = z.string().refine(isDns1035Label, {
  error: 'expected a DNS-1035 label (lowercase letters, digits and "-", starting with a letter, ≤ 63)',
});

export const templateServiceSchema = z.strictObject({
  name: serviceName,
  image: z.string().regex(/^\S+$/, { error: 'expected an image reference without spaces' }),
  port: integer.min(1, { error: 'expected a port 1–65535' }).max(65535, { error: 'expected a port 1–65535' }),
  replicas: integer
    .min(0, { error: 'expected an integer ≥ 0' })
    .max(100, { error: 'expected an integer ≤ 100' })
    .default(1),
  env: stringMap(100).default({}),
  expose: z.enum(EXPOSURES, oneOf(EXPOSURES)).default('none'),
});

export const userDeploymentTemplateSchema = z.strictObject({
  services: maxItems(z.array(templateServiceSchema), 20)
    .min(1, { error: 'expected at least one service' })
    .check(
      z.refine(
        (services: { name: string }[]) => new Set(services.map((s) => s.name)).size === services.length,
        { error: 'service names must be unique' },
      ),
    ),
});

export type UserDeploymentTemplate = z.output<typeof userDeploymentTemplateSchema>;
export type TemplateService = z.output<typeof templateServiceSchema>;

/** Validate a parsed template.yaml and apply its defaults (replicas 1, env {}, expose none). */
export function validateUserDeploymentTemplate(obj: unknown): ValidationResult<UserDeploymentTemplate> {
  return validateWith(userDeploymentTemplateSchema, obj);
}
