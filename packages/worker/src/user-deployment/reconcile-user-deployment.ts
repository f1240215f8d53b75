import type { UserDeploymentCommand, UserDeploymentMachineStatus } from '@ambient-operator/machines';
import { decideUserDeployment } from '@ambient-operator/machines';
import {
  RetryableError,
  SCHEDULER_GROUP,
  SCHEDULER_VERSION,
  USER_DEPLOYMENT_FINALIZER,
  USER_DEPLOYMENT_PLURAL,
  USER_DEPLOYMENT_SPEC_HASH,
  userDeploymentStatusSchema,
  validateUserDeployment,
  type UserDeployment,
} from '@ambient-operator/shared';
import { createIfAbsent, deleteIfPresent, mergePatch } from '../kube-ops.js';
import { beforeWrite, type ObjectView, type PhaseModelKind } from '../reconcile/object-subject.js';
import type { Plan } from '../reconcile/reconcile-loop.js';
import { resourceVersionOf } from '../stored-object.js';
import {
  observeUserDeployment,
  type UserDeploymentDeps,
  type UserDeploymentReadings as ChildReadings,
} from './observe-user-deployment.js';

export const userDeploymentApi = {
  group: SCHEDULER_GROUP,
  version: SCHEDULER_VERSION,
  plural: USER_DEPLOYMENT_PLURAL,
};

/** While children are being deleted, look again this soon (a namespace's removal sends no event we watch). */
const DELETING_RECHECK_MS = 1_000;

/** What the commands of one reconcile share: the validated CR (its finalizers as last written), whether it is gone. */
export interface UserDeploymentReadings extends ChildReadings {
  ud: UserDeployment;
  released: boolean;
}

type UserDeploymentView = ObjectView<UserDeploymentMachineStatus, UserDeploymentReadings>;

interface CommandContext {
  deps: UserDeploymentDeps;
  view: UserDeploymentView;
}

/**
 * UserDeployments (key `ud:<ns>/<name>`) for the generic loop: read the CR, its template and children, let the
 * machine decide, execute its commands idempotently, write status through /status with the read resourceVersion,
 * and count transitions only after that write. A CR that fails validation is skipped (logged).
 */
export function userDeploymentKind(
  deps: UserDeploymentDeps,
): PhaseModelKind<
  UserDeploymentMachineStatus,
  UserDeploymentReadings,
  UserDeploymentCommand,
  Plan<UserDeploymentCommand, object>
> {
  return {
    api: userDeploymentApi,
    statusSchema: userDeploymentStatusSchema,
    // The finalizer's work: a CR being deleted is reconciled until its children are gone.
    reconcilesDeletion: true,
    async observe(object) {
      const parsed = validateUserDeployment(object.raw);
      if (!parsed.ok) {
        const { namespace, name } = object.metadata;
        deps.log.warn({ namespace, name, issues: parsed.issues }, 'UserDeployment fails validation; skipped');
        return null;
      }
      const ud = parsed.value;
      return { ...(await observeUserDeployment(deps, ud)), ud, released: false };
    },
    decide(view) {
      const decision = decideUserDeployment(view.status, view.readings.observation);
      return {
        ...beforeWrite(decision),
        ...(decision.nextPhase === 'Deleting' ? { wakeAtMs: view.nowMs + DELETING_RECHECK_MS } : {}),
      };
    },
    execute: (view, command) => execute({ deps, view }, command),
    // A CR being deleted whose finalizer we just removed is gone: there is no status left to write.
    canWriteStatus: (view) => !view.readings.released,
    transitionCounter: deps.metrics.userDeploymentPhaseTransitions,
  };
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
  const finalizers = ctx.view.readings.ud.metadata.finalizers ?? [];
  if (finalizers.includes(USER_DEPLOYMENT_FINALIZER) === present) return;
  const next = present
    ? [...finalizers, USER_DEPLOYMENT_FINALIZER]
    : finalizers.filter((f) => f !== USER_DEPLOYMENT_FINALIZER);
  const { namespace = '', name } = ctx.view.readings.ud.metadata;
  const updated: unknown = await ctx.deps.api.customObjects.patchNamespacedCustomObject(
    {
      ...userDeploymentApi,
      namespace,
      name,
      body: { metadata: { finalizers: next, resourceVersion: ctx.view.resourceVersion } },
    },
    mergePatch,
  );
  ctx.view.readings.ud = {
    ...ctx.view.readings.ud,
    metadata: { ...ctx.view.readings.ud.metadata, finalizers: next },
  };
  ctx.view.resourceVersion = resourceVersionOf(updated) ?? ctx.view.resourceVersion;
  if (!present && ctx.view.readings.ud.metadata.deletionTimestamp !== undefined && next.length === 0)
    ctx.view.readings.released = true;
}

/** Namespace first, then each kind: create what is missing, replace what changed, delete what is extra. */
async function applyChildren(ctx: CommandContext): Promise<void> {
  const { desired, namespace, listed } = ctx.view.readings;
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
  const { namespace, listed } = ctx.view.readings;
  if (namespace.ours) {
    if (namespace.exists && !namespace.terminating)
      await deleteIfPresent(() => ctx.deps.api.core.deleteNamespace({ name: namespace.name }));
    return;
  }
  for (const [kind, current] of listed)
    for (const child of current) await deleteIfPresent(() => kind.remove(namespace.name, child.name));
}
