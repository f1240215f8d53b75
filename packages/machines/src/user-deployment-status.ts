/**
 * The UserDeployment phase model's vocabulary and the status the machine writes. Mirrors
 * deploy/crds/userdeployments-crd.yaml (test/phase-model-contract.test.ts at the root checks it).
 */

// The phase list is the CR schema's (one home, in shared); the machine keeps only what is its own.
import { USER_DEPLOYMENT_PHASES, type UserDeploymentPhase } from '@ambient-operator/shared';

export { USER_DEPLOYMENT_PHASES, type UserDeploymentPhase };

/** Phases the machine leaves only when the user changes something (desiredState, template, the CRD). */
export const USER_DEPLOYMENT_RESTING_PHASES: readonly UserDeploymentPhase[] = ['Deleted', 'Failed'];

export function isUserDeploymentPhase(value: unknown): value is UserDeploymentPhase {
  return typeof value === 'string' && (USER_DEPLOYMENT_PHASES as readonly string[]).includes(value);
}

/** The fixed set of condition types (never unbounded). */
export const USER_DEPLOYMENT_CONDITION_TYPES = ['Ready', 'TemplateValid', 'SecretsProvisioned'] as const;
export type UserDeploymentConditionType = (typeof USER_DEPLOYMENT_CONDITION_TYPES)[number];

export interface UserDeploymentConditionEntry {
  // Same shape as SessionCondition, so setCondition (conditions.ts) serves both models.
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface UserDeploymentUrlEntry {
  service: string;
  exposure: 'public' | 'internal';
  url: string;
}

export interface UserDeploymentServiceEntry {
  name: string;
  image?: string;
  replicas?: number;
  readyReplicas?: number;
  updatedReplicas?: number;
}

/** `status` of a UserDeployment as the machine reads and writes it. */
export interface UserDeploymentMachineStatus {
  phase?: UserDeploymentPhase;
  observedGeneration?: number;
  namespace?: string;
  phaseTransitionTime?: string;
  urls?: UserDeploymentUrlEntry[];
  services?: UserDeploymentServiceEntry[];
  conditions?: UserDeploymentConditionEntry[];
}

/** A merge patch of that status (null removes a field). */
export type UserDeploymentStatusPatch = {
  [K in keyof UserDeploymentMachineStatus]?: UserDeploymentMachineStatus[K] | null;
};
