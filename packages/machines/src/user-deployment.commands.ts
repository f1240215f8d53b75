/**
 * What a UserDeployment reconcile must do to the cluster, as data; the worker executes each
 * idempotently (AlreadyExists / NotFound are outcomes, not errors).
 */
export type UserDeploymentCommand =
  /** Put the finalizer on the CR before anything is created outside its namespace. */
  | { type: 'addFinalizer' }
  /**
   * Create or bring in line the namespace, config ConfigMap, ExternalSecrets, Deployments, Services,
   * Ingresses and NetworkPolicies, and prune those of services no longer in the template.
   */
  | { type: 'applyChildren' }
  /** Delete every child (the namespace itself when the operator created it). */
  | { type: 'deleteChildren' }
  /** Let the CR go (or stay without a finalizer while Deleted). */
  | { type: 'removeFinalizer' };

export type UserDeploymentCommandType = UserDeploymentCommand['type'];

export const USER_DEPLOYMENT_COMMAND_TYPES = [
  'addFinalizer',
  'applyChildren',
  'deleteChildren',
  'removeFinalizer',
] as const satisfies readonly UserDeploymentCommandType[];

type MissingCommandTypes = Exclude<UserDeploymentCommandType, (typeof USER_DEPLOYMENT_COMMAND_TYPES)[number]>;
const commandListIsExhaustive: MissingCommandTypes extends never ? true : false = true;
void commandListIsExhaustive;

/** Machine-side implementations: empty on purpose, `transition()` returns them as data. */
export const userDeploymentCommandActions: Record<UserDeploymentCommandType, () => void> = {
  addFinalizer: () => {},
  applyChildren: () => {},
  deleteChildren: () => {},
  removeFinalizer: () => {},
};

export function isUserDeploymentCommandType(type: string): type is UserDeploymentCommandType {
  return (USER_DEPLOYMENT_COMMAND_TYPES as readonly string[]).includes(type);
}
