import type {
  UserDeploymentCommand,
  UserDeploymentDecision,
  UserDeploymentMachineStatus,
} from '@ambient-operator/machines';
import { decideUserDeployment } from '@ambient-operator/machines';
import {
  RetryableError,
  SCHEDULER_GROUP,
  SCHEDULER_VERSION,
  USER_DEPLOYMENT_FINALIZER,
  USER_DEPLOYMENT_PLURAL,
  USER_DEPLOYMENT_SPEC_HASH,
  validateUserDeployment,
  type UserDeployment,
} from '@ambient-operator/shared';
import { createIfAbsent, deleteIfPresent, mergePatch } from '../kube-ops.js';
import { readOrNull } from '../kube-ops.js';
import {
  observeUserDeployment,
  type UserDeploymentDeps,
  type UserDeploymentReadings,
} from './observe-user-deployment.js';

const api = { group: SCHEDULER_GROUP, version: SCHEDULER_VERSION, plural: USER_DEPLOYMENT_PLURAL };

/** While children are being deleted, look again this soon (a namespace's removal sends no event we watch). */
const DELETING_RECHECK_MS = 1_000;

export interface UserDeploymentReport {
  /** Phase before this reconcile ('' when the CR is gone or unreadable). */
  phase: string;
  decision?: UserDeploymentDecision;
  requeueAfterMs?: number;
}

/** What the commands of one reconcile share: the CR's latest resourceVersion, and whether it is gone. */
interface CommandContext {
  deps: UserDeploymentDeps;
  ud: UserDeployment;
  readings: UserDeploymentReadings;
  resourceVersion: string | undefined;
  released: boolean;
}

/**
 * One level-based reconcile of a UserDeployment (key `ud:<ns>/<name>`): read the CR, its template and
 * children, let the machine decide, execute its commands idempotently, write status through /status
 * with the read resourceVersion (a 409 is a conflict: the queue reconciles again from a fresh read),
 * and count transitions only after that write.
 */
export async function reconcileUserDeployment(
  ref: ObjectRef,
  deps: UserDeploymentDeps,
): Promise<UserDeploymentReport> {
  const raw = await readUserDeployment(deps, ref);
  if (raw === null) return { phase: '' };
  const parsed = validateUserDeployment(raw);
  if (!parsed.ok) {
    deps.log.warn({ ...ref, issues: parsed.issues }, 'UserDeployment fails validation; skipped');
    return { phase: '' };
  }
  const ud = parsed.value;
  const readings = await observeUserDeployment(deps, ud);
  const status = ud.status as UserDeploymentMachineStatus | undefined;
  const decision = decideUserDeployment(status, readings.observation);
  const ctx: CommandContext = {
    deps,
    ud,
    readings,
    resourceVersion: ud.metadata.resourceVersion,
    released: false,
  };
  for (const command of decision.commands) await execute(ctx, command);

  // A CR being deleted whose finalizer we just removed is gone: there is no status left to write.
  if (!ctx.released && Object.keys(decision.statusPatch).length > 0)
    await writeUserDeploymentStatus(deps, ref, ctx.resourceVersion, decision.statusPatch);
  for (const t of decision.transitions)
    deps.metrics.userDeploymentPhaseTransitions.inc({
      namespace: ref.namespace,
      from_phase: t.from,
      to_phase: t.to,
    });
  return {
    phase: status?.phase ?? '',
    decision,
    ...(decision.nextPhase === 'Deleting' ? { requeueAfterMs: DELETING_RECHECK_MS } : {}),
  };
}

export interface ObjectRef {
  namespace: string;
  name: string;
}

/** The CR as stored (unvalidated); null when it is gone. */
export function readUserDeployment(deps: Pick<UserDeploymentDeps, 'api'>, ref: ObjectRef): Promise<unknown> {
  return readOrNull(() => deps.api.customObjects.getNamespacedCustomObject({ ...api, ...ref }));
}

/** A `/status` merge patch with the resourceVersion as precondition (a 409 is a conflict: re-read, recompute). */
export async function writeUserDeploymentStatus(
  deps: Pick<UserDeploymentDeps, 'api'>,
  ref: ObjectRef,
  resourceVersion: string | undefined,
  patch: object,
): Promise<void> {
  await deps.api.customObjects.patchNamespacedCustomObjectStatus(
    { ...api, ...ref, body: { metadata: { resourceVersion }, status: patch } },
    mergePatch,
  );
}

async function execute(ctx: CommandContext, command: UserDeploymentCommand): Promise<void> {
  switch (command.type) {
    case 'addFinalizer':
      return setFinalizer(ctx, true);
    case 'removeFinalizer':
      return setFinalizer(ctx, false);
    case 'applyChildren':
      return applyChildren(ctx);
    case 'deleteChildren':
      return deleteChildren(ctx);
  }
}

/** A merge patch of the finalizer list with the resourceVersion as precondition (never a blind overwrite). */
async function setFinalizer(ctx: CommandContext, present: boolean): Promise<void> {
  const finalizers = ctx.ud.metadata.finalizers ?? [];
  if (finalizers.includes(USER_DEPLOYMENT_FINALIZER) === present) return;
  const next = present
    ? [...finalizers, USER_DEPLOYMENT_FINALIZER]
    : finalizers.filter((f) => f !== USER_DEPLOYMENT_FINALIZER);
  const { namespace = '', name } = ctx.ud.metadata;
  const updated = (await ctx.deps.api.customObjects.patchNamespacedCustomObject(
    {
      ...api,
      namespace,
      name,
      body: { metadata: { finalizers: next, resourceVersion: ctx.resourceVersion } },
    },
    mergePatch,
  )) as { metadata?: { resourceVersion?: string } };
  ctx.ud = { ...ctx.ud, metadata: { ...ctx.ud.metadata, finalizers: next } };
  ctx.resourceVersion = updated.metadata?.resourceVersion ?? ctx.resourceVersion;
  if (!present && ctx.ud.metadata.deletionTimestamp !== undefined && next.length === 0) ctx.released = true;
}

/** Namespace first, then each kind: create what is missing, replace what changed, delete what is extra. */
async function applyChildren(ctx: CommandContext): Promise<void> {
  const { desired, namespace, listed } = ctx.readings;
  if (desired === undefined) return;
  if (namespace.terminating) throw new RetryableError(`namespace ${namespace.name} is still being deleted`);
  if (!namespace.exists)
    await createIfAbsent(() => ctx.deps.api.core.createNamespace({ body: desired.namespaceBody }));
  for (const [kind, current] of listed) {
    const wanted = kind.desired(desired);
    const byName = new Map(current.map((c) => [c.name, c]));
    for (const { name, body } of wanted) {
      const existing = byName.get(name);
      const hash = (body as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations?.[
        USER_DEPLOYMENT_SPEC_HASH
      ];
      if (existing === undefined) await createIfAbsent(() => kind.create(namespace.name, body));
      else if (existing.hash !== hash) await kind.replace(namespace.name, name, body, existing);
    }
    const names = new Set(wanted.map((w) => w.name));
    for (const extra of current.filter((c) => !names.has(c.name)))
      await deleteIfPresent(() => kind.remove(namespace.name, extra.name));
  }
}

/** The namespace the operator created goes whole; in any other namespace only the labelled children go. */
async function deleteChildren(ctx: CommandContext): Promise<void> {
  const { namespace, listed } = ctx.readings;
  if (namespace.ours) {
    if (namespace.exists && !namespace.terminating)
      await deleteIfPresent(() => ctx.deps.api.core.deleteNamespace({ name: namespace.name }));
    return;
  }
  for (const [kind, current] of listed)
    for (const child of current) await deleteIfPresent(() => kind.remove(namespace.name, child.name));
}
