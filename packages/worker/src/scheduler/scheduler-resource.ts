import { z } from 'zod';
import { SCHEDULER_GROUP, SCHEDULER_VERSION, type SessionRef } from '@ambient-operator/shared';
import { mergePatch } from '../kube-ops.js';
import { readOrNull } from '../kube-ops.js';
import type { WorkerDeps } from '../worker-deps.js';

/** What every reconcile of a scheduler kind needs of its object, even when the rest is invalid. */
export interface SchedulerObject {
  raw: unknown;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    generation?: number;
    deletionTimestamp?: string;
  };
}

const metadataSchema = z.object({
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().min(1),
    uid: z.string().min(1),
    resourceVersion: z.string().min(1),
    generation: z.number().int().optional(),
    deletionTimestamp: z.string().optional(),
  }),
});

export type SchedulerPlural = 'agenttasks' | 'workflows';

const api = (plural: SchedulerPlural) => ({ group: SCHEDULER_GROUP, version: SCHEDULER_VERSION, plural });

/** Live GET (the worker keeps no cache); null when the object is gone. */
export async function readSchedulerObject(
  deps: WorkerDeps,
  plural: SchedulerPlural,
  ref: SessionRef,
): Promise<SchedulerObject | null> {
  const raw: unknown = await readOrNull(() =>
    deps.api.customObjects.getNamespacedCustomObject({
      ...api(plural),
      namespace: ref.namespace,
      name: ref.name,
    }),
  );
  if (raw === null) return null;
  return { raw, metadata: metadataSchema.parse(raw).metadata };
}

/**
 * Writes a status merge patch through `/status`, with the resourceVersion that was read as a precondition:
 * a concurrent write fails it with 409, and the queue then reconciles the key again from a fresh read
 * (the commands before the write are idempotent, so running them again is harmless).
 */
export async function writeSchedulerStatus(
  deps: WorkerDeps,
  plural: SchedulerPlural,
  object: SchedulerObject,
  patch: object,
): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  const { namespace, name, resourceVersion } = object.metadata;
  await deps.api.customObjects.patchNamespacedCustomObjectStatus(
    { ...api(plural), namespace, name, body: { metadata: { resourceVersion }, status: patch } },
    mergePatch,
  );
}
