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
   * The CR's resourceVersion as of our last write to it. Metadata patches (annotations) carry it as a
   * precondition and update it, so the status write that follows still proves nothing changed meanwhile.
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
