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
import { readOrNull } from './kube-ops.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * The part of an AgenticSession every reconcile needs, even one whose spec fails validation: identity,
 * concurrency token, annotations and status. The full CR is validated separately (observe.ts).
 */
export interface SessionResource {
  raw: unknown;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
  };
  status: SessionStatus | undefined;
}

const resourceSchema = z.object({
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().min(1),
    uid: z.string().min(1),
    resourceVersion: z.string().min(1),
    generation: z.number().int().optional(),
    creationTimestamp: z.string().optional(),
    deletionTimestamp: z.string().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  status: z.unknown().optional(),
});

export const sessionApi = { group: CRD_GROUP, version: CRD_VERSION, plural: AGENTIC_SESSION_PLURAL };

/** Live GET of the session (no cache: the worker is stateless); null when it is gone. */
export async function readSession(deps: WorkerDeps, ref: SessionRef): Promise<SessionResource | null> {
  const raw: unknown = await readOrNull(() =>
    deps.api.customObjects.getNamespacedCustomObject({
      ...sessionApi,
      namespace: ref.namespace,
      name: ref.name,
    }),
  );
  if (raw === null) return null;
  return toSessionResource(raw, deps);
}

function toSessionResource(raw: unknown, deps: Pick<WorkerDeps, 'log'>): SessionResource {
  const parsed = resourceSchema.parse(raw);
  return { raw, metadata: parsed.metadata, status: parseStatus(parsed.status, parsed.metadata, deps) };
}

/**
 * Status is ours (and the backend's lastActivityTime), pruned by the CRD schema, so it parses. If it
 * somehow does not, keep the phase so the session is not restarted from scratch; the machine rewrites
 * the rest.
 */
function parseStatus(
  raw: unknown,
  meta: { namespace: string; name: string },
  deps: Pick<WorkerDeps, 'log'>,
): SessionStatus | undefined {
  if (raw === undefined || raw === null) return undefined;
  const parsed = agenticSessionStatusSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  deps.log.warn(
    { session: `${meta.namespace}/${meta.name}`, issues: parsed.error.issues.length },
    'unparseable status',
  );
  const phase = (raw as { phase?: unknown }).phase;
  return isSessionPhase(phase) ? { phase } : undefined;
}
