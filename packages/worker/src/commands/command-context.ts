import type { V1OwnerReference } from '@kubernetes/client-node';
import { AGENTIC_SESSION_KIND, CRD_API_VERSION } from '@ambient-operator/shared';
import type { AgenticSession as ChildSession } from '../children/index.js';
import type { SessionReadings } from '../observation-mapping.js';
import type { SessionResource } from '../session-resource.js';
import type { WorkerDeps } from '../worker-deps.js';

/** What an executor gets: the reconcile's dependencies and readings, and the CR's current resourceVersion. */
export interface CommandContext {
  deps: WorkerDeps;
  session: SessionResource;
  readings: SessionReadings;
  /**
   * The CR's resourceVersion as of our last write to it. Metadata patches (annotations) carry it as a
   * precondition and update it, so the status write that follows still proves nothing changed meanwhile.
   */
  resourceVersion: string;
}

export function ownerReference(session: SessionResource): V1OwnerReference {
  return {
    apiVersion: CRD_API_VERSION,
    kind: AGENTIC_SESSION_KIND,
    name: session.metadata.name,
    uid: session.metadata.uid,
    controller: true,
  };
}

/** The validated session in the shape the child builders take; commands that build children need it. */
export function childSession(ctx: CommandContext): ChildSession {
  const valid = ctx.readings.valid;
  if (valid === undefined) {
    // The machine never issues building commands for an invalid session; reaching here is a bug.
    throw new Error(
      `session ${ctx.session.metadata.namespace}/${ctx.session.metadata.name} failed validation`,
    );
  }
  const { name, namespace, uid } = ctx.session.metadata;
  return {
    ...valid,
    spec: valid.spec ?? {},
    metadata: { ...valid.metadata, name, namespace, uid },
  } as ChildSession;
}
