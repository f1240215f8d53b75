import { z } from 'zod';
import type { SessionStatus } from '@ambient-operator/machines';
import { isSessionPhase } from '@ambient-operator/machines';
import {
  AGENTIC_SESSION_PLURAL,
  CRD_GROUP,
  CRD_VERSION,
  agenticSessionStatusSchema,
  type SessionRef,
} from '@ambient-operator/shared';
import { readStoredObject, type StoredObject } from './stored-object.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * The part of an AgenticSession every reconcile needs, even one whose spec fails validation: identity,
 * concurrency token, annotations and status. The full CR is validated separately (observe.ts).
 */
export interface SessionResource extends StoredObject {
  status: SessionStatus | undefined;
}

export const sessionApi = { group: CRD_GROUP, version: CRD_VERSION, plural: AGENTIC_SESSION_PLURAL };

/** Live GET of the session (no cache: the worker is stateless); null when it is gone. */
export async function readSession(deps: WorkerDeps, ref: SessionRef): Promise<SessionResource | null> {
  const object = await readStoredObject(deps, sessionApi, ref);
  if (object === null) return null;
  return { ...object, status: parseStatus(object, deps) };
}

const statusOnly = z.object({ status: z.unknown().optional() });
const phaseOnly = z.object({ phase: z.unknown().optional() });

/**
 * Status is ours (and the backend's lastActivityTime), pruned by the CRD schema, so it parses. If it
 * somehow does not, keep the phase so the session is not restarted from scratch; the machine rewrites
 * the rest.
 */
function parseStatus(object: StoredObject, deps: Pick<WorkerDeps, 'log'>): SessionStatus | undefined {
  const raw = statusOnly.parse(object.raw).status;
  if (raw === undefined || raw === null) return undefined;
  const parsed = agenticSessionStatusSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const { namespace, name } = object.metadata;
  deps.log.warn(
    { session: `${namespace}/${name}`, issues: parsed.error.issues.length },
    'unparseable status',
  );
  const phase = phaseOnly.safeParse(raw).data?.phase;
  return isSessionPhase(phase) ? { phase } : undefined;
}
