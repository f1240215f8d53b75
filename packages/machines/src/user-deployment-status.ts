/**
 * The UserDeployment phase model's vocabulary and the status the machine writes. Mirrors
 * deploy/crds/userdeployments-crd.yaml (test/phase-model-contract.test.ts at the root checks it).
 */

// The phase list is the CR schema's (one home, in shared); the machine keeps only what is its own.
import {
  USER_DEPLOYMENT_PHASES,
  type UserDeploymentCondition,
  type UserDeploymentPhase,
  type UserDeploymentServiceStatus,
  type UserDeploymentStatus,
  type UserDeploymentUrl,
} from '@ambient-operator/shared';

export { USER_DEPLOYMENT_PHASES, type UserDeploymentPhase };

/** Phases the machine leaves only when the user changes something (desiredState, template, the CRD). */
export const USER_DEPLOYMENT_RESTING_PHASES: readonly UserDeploymentPhase[] = ['Deleted', 'Failed'];

export function isUserDeploymentPhase(value: unknown): value is UserDeploymentPhase {
  return typeof value === 'string' && (USER_DEPLOYMENT_PHASES as readonly string[]).includes(value);
}

/** The fixed set of condition types (never unbounded). */
export const USER_DEPLOYMENT_CONDITION_TYPES = ['Ready', 'TemplateValid', 'SecretsProvisioned'] as const;
export type UserDeploymentConditionType = (typeof USER_DEPLOYMENT_CONDITION_TYPES)[number];

// The status shapes are the CR schema's (shared); the names below are the machine's words for them.
/** One `status.conditions[]` entry (the same shape as a session's, so setCondition serves both models). */
export type UserDeploymentConditionEntry = UserDeploymentCondition;
export type UserDeploymentUrlEntry = UserDeploymentUrl;
export type UserDeploymentServiceEntry = UserDeploymentServiceStatus;
/** `status` of a UserDeployment as the machine reads and writes it. */
export type UserDeploymentMachineStatus = UserDeploymentStatus;

/** A merge patch of that status (null removes a field). */
export type UserDeploymentStatusPatch = {
  [K in keyof UserDeploymentMachineStatus]?: UserDeploymentMachineStatus[K] | null;
};
