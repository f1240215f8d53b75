import type { StoredAgenticSession } from '@ambient-operator/shared';
import type { SessionReadings } from '../observation-mapping.js';
import type { SessionResource } from '../session-resource.js';
import type { WorkerDeps } from '../worker-deps.js';

/** What an executor gets: the reconcile's dependencies and readings, and the CR's current resourceVersion. */
export interface CommandContext {
  deps: WorkerDeps;
  session: SessionResource;
  readings: SessionReadings;
  /**
   * The resourceVersion the status write carries as its precondition: the one read, moved past our own annotation
   * patches only while the status and spec are still the ones read (session-annotations.ts), so the status write
   * still proves nothing it was decided from changed meanwhile.
   */
  resourceVersion: string;
}

/** The validated session; commands that build children need it. */
export function childSession(ctx: CommandContext): StoredAgenticSession {
  const valid = ctx.readings.valid;
  // The machine never issues building commands for an invalid session; reaching here is a bug.
  if (valid === undefined)
    throw new Error(
      `session ${ctx.session.metadata.namespace}/${ctx.session.metadata.name} failed validation`,
    );
  return valid;
}
