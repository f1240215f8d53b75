import type { ApiSession } from '@ambient-operator/api-contract';
import {
  AGENTIC_SESSION_KIND,
  API_SESSION_ID_LABEL,
  CRD_API_VERSION,
  DESIRED_PHASE,
  TerminalError,
  agenticSessionSpecSchema,
} from '@ambient-operator/shared';
import { createIfAbsent, deleteIfPresent, mergePatch } from '../kube-ops.js';
import { readOrNull } from '../kube-ops.js';
import { sessionApi } from '../session-resource.js';
import type { ApiReconcileDeps } from './api-deps.js';
import { ensureProjectNamespace } from './reconcile-api-project.js';
import type { SessionCrPlan } from './session-mapping.js';
import { mapSessionToCr } from './session-mapping.js';
import type { SessionCrView } from './status-write-back.js';
import { invalidSessionWriteBack, pendingPhaseRequest, statusWriteBack } from './status-write-back.js';

interface CrObject extends SessionCrView {
  metadata: SessionCrView['metadata'] & {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
}

/** JSON with sorted keys, to compare specs whatever the order the API server returns. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** Deletes every AgenticSession labelled with the id (a session gone from the API); its children follow by GC. */
async function deleteSessionCrs(id: string, deps: ApiReconcileDeps): Promise<number> {
  const list = (await deps.kube.customObjects.listClusterCustomObject({
    ...sessionApi,
    labelSelector: `${API_SESSION_ID_LABEL}=${id}`,
  })) as { items?: CrObject[] };
  let deleted = 0;
  for (const cr of list.items ?? []) {
    const { name, namespace } = cr.metadata as { name: string; namespace: string };
    if (
      await deleteIfPresent(() =>
        deps.kube.customObjects.deleteNamespacedCustomObject({ ...sessionApi, namespace, name }),
      )
    )
      deleted++;
  }
  return deleted;
}

/** The merge patch that brings an existing CR to the plan (spec replaced, labels/annotations added), or undefined. */
function crPatch(
  cr: CrObject,
  plan: SessionCrPlan,
  desiredPhase: string | undefined,
): Record<string, unknown> | undefined {
  const metadata: Record<string, unknown> = {};
  const labels = Object.fromEntries(
    Object.entries(plan.labels).filter(([k, v]) => cr.metadata.labels?.[k] !== v),
  );
  const wantedAnnotations = {
    ...plan.annotations,
    ...(desiredPhase ? { [DESIRED_PHASE]: desiredPhase } : {}),
  };
  const annotations = Object.fromEntries(
    Object.entries(wantedAnnotations).filter(([k, v]) => cr.metadata.annotations?.[k] !== v),
  );
  if (Object.keys(labels).length > 0) metadata.labels = labels;
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  const patch: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) patch.metadata = metadata;
  // Compare after CRD defaulting, so defaults the server filled in are not a difference.
  const wanted = agenticSessionSpecSchema.parse(plan.spec);
  const current = agenticSessionSpecSchema.safeParse(cr.spec ?? {});
  if (!current.success || canonical(current.data) !== canonical(wanted)) {
    const removed = Object.fromEntries(
      Object.keys(cr.spec ?? {})
        .filter((k) => !(k in wanted))
        .map((k) => [k, null]),
    );
    patch.spec = { ...removed, ...wanted };
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

async function upsertSessionCr(
  plan: SessionCrPlan,
  session: ApiSession,
  deps: ApiReconcileDeps,
): Promise<CrObject> {
  const ref = { ...sessionApi, namespace: plan.namespace, name: plan.name };
  const read = () =>
    readOrNull(() => deps.kube.customObjects.getNamespacedCustomObject(ref)) as Promise<CrObject | null>;
  let cr = await read();
  if (!cr) {
    await createIfAbsent(() =>
      deps.kube.customObjects.createNamespacedCustomObject({
        ...sessionApi,
        namespace: plan.namespace,
        body: {
          apiVersion: CRD_API_VERSION,
          kind: AGENTIC_SESSION_KIND,
          metadata: {
            name: plan.name,
            namespace: plan.namespace,
            labels: plan.labels,
            annotations: plan.annotations,
          },
          spec: plan.spec,
        },
      }),
    );
    cr = await read();
    if (!cr) throw new Error(`AgenticSession ${plan.namespace}/${plan.name} vanished right after its create`);
  }
  if (cr.metadata.labels?.[API_SESSION_ID_LABEL] !== session.id)
    throw new TerminalError(
      `AgenticSession ${plan.namespace}/${plan.name} exists and does not belong to API session ${session.id}; not touched`,
    );
  const patch = crPatch(cr, plan, pendingPhaseRequest(session.phase, cr.status?.phase));
  if (!patch) return cr;
  return (await deps.kube.customObjects.patchNamespacedCustomObject(
    { ...ref, body: patch },
    mergePatch,
  )) as CrObject;
}

/**
 * One API session, level-based: read it; gone → delete its CRs; unmappable → report once on the API
 * object and stop (terminal); otherwise converge the CR (spec, labels, start/stop annotation) and write
 * the CR's status back when, and only where, the API differs.
 */
export async function reconcileApiSession(id: string, deps: ApiReconcileDeps): Promise<void> {
  const session = await deps.ambient.get('sessions', id);
  if (!session) {
    const deleted = await deleteSessionCrs(id, deps);
    if (deleted > 0) deps.log.info({ id, deleted }, 'API session gone; deleted its AgenticSession');
    return;
  }
  const mapping = mapSessionToCr(session);
  if (!mapping.ok) {
    const patch = invalidSessionWriteBack(session, mapping.problems);
    if (patch) await deps.ambient.patchSessionStatus(id, patch);
    throw new TerminalError(`API session ${id} cannot be mapped: ${mapping.problems.join('; ')}`);
  }
  await ensureProjectNamespace(mapping.plan.namespace, session.project_id, deps);
  const cr = await upsertSessionCr(mapping.plan, session, deps);
  const patch = statusWriteBack(cr, session);
  if (patch) await deps.ambient.patchSessionStatus(id, patch);
}
