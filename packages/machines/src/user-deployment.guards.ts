import type { UserDeploymentObservation } from './user-deployment-observation.js';

/** What every guard sees: the observation only (the machine keeps no context of its own). */
export interface UserDeploymentGuardArgs {
  event: { observation: UserDeploymentObservation };
}

type Guard = (args: UserDeploymentGuardArgs) => boolean;

/** The CR is being deleted, or its spec asks for the application to be gone. */
export const deletionRequested: Guard = ({ event }) =>
  event.observation.beingDeleted || event.observation.desiredState === 'deleted';

/** The template ConfigMap is missing or its template.yaml is invalid. */
export const templateUnusable: Guard = ({ event }) => !event.observation.template.ok;

/** Secrets are requested but no ExternalSecret CRD is served: they cannot be provisioned. */
export const secretsUnavailable: Guard = ({ event }) =>
  event.observation.secrets.requested > 0 && !event.observation.secrets.crdPresent;

/** Some Deployment does not (yet) run the desired spec: missing, patched but not rolled out, or stale. */
export const rollingOut: Guard = ({ event }) =>
  event.observation.services.some((s) => !s.upToDate || s.updatedReplicas < s.replicas);

/** Every service runs the desired spec with all its replicas ready. */
export const servicesReady: Guard = (args) =>
  !rollingOut(args) && args.event.observation.services.every((s) => s.readyReplicas >= s.replicas);

/** Nothing the UserDeployment created is left. */
export const childrenGone: Guard = ({ event }) => event.observation.childrenRemaining === 0;

export const userDeploymentGuards = {
  deletionRequested,
  templateUnusable,
  secretsUnavailable,
  rollingOut,
  servicesReady,
  childrenGone,
};
