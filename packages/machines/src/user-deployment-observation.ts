import type { UserDeploymentUrlEntry } from './user-deployment-status.js';

/** What the template read gave: usable, or why not (the reason becomes the Failed condition's). */
export type TemplateObservation =
  | { ok: true }
  | { ok: false; reason: 'TemplateMissing' | 'TemplateInvalid' | 'InvalidName'; message: string };

/** One service of the template as its Deployment shows it in the cluster. */
export interface ServiceObservation {
  name: string;
  /** Image after overrides. */
  image: string;
  /** Replicas wanted (template, then spec.services override). */
  replicas: number;
  /** The Deployment exists, carries the desired spec hash, and its controller has observed that generation. */
  upToDate: boolean;
  readyReplicas: number;
  updatedReplicas: number;
}

/**
 * Everything one reconcile saw, built by the worker from live reads. The machine needs no other input:
 * `nowMs` is the clock, the rest is the CR and its children.
 */
export interface UserDeploymentObservation {
  /** ms since the epoch. */
  nowMs: number;
  /** `metadata.generation` of the CR. */
  generation: number;
  /** `spec.desiredState`. */
  desiredState: 'running' | 'deleted';
  /** `metadata.deletionTimestamp` is set. */
  beingDeleted: boolean;
  /** The namespace the children live in (spec.namespace, default `ud-<name>`). */
  namespace: string;
  template: TemplateObservation;
  /** Entries of spec.secrets, and whether the ExternalSecret CRD is served. */
  secrets: { requested: number; crdPresent: boolean };
  /** One entry per template service, in template order; empty when the template is unusable. */
  services: ServiceObservation[];
  /** The URLs of exposed services (derived from template + config; empty when the template is unusable). */
  urls: UserDeploymentUrlEntry[];
  /** Children (and the operator-created namespace) still present; what Deleting waits for. */
  childrenRemaining: number;
}
