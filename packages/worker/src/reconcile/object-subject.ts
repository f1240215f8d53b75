import type { Counter } from 'prom-client';
import { z } from 'zod';
import type { WorkerDeps } from '../worker-deps.js';
import {
  patchStatus,
  readStoredObject,
  type CustomResourceApi,
  type StoredObject,
} from '../stored-object.js';
import type { LoopSubject, Plan } from './reconcile-loop.js';

/**
 * One reconcile of an object with a phase model: the object as read, its status, what it owns as read. Mutable: a
 * command that writes the object itself (a finalizer) moves `resourceVersion` on, so the status write that follows
 * still proves nothing else changed meanwhile.
 */
export interface ObjectView<Status, Readings> {
  object: StoredObject;
  status: Status | undefined;
  readings: Readings;
  nowMs: number;
  resourceVersion: string;
}

/** What runReconcileLoop needs of a kind whose object is a custom resource with a `/status` it owns. */
export interface PhaseModelKind<
  Status extends { phase?: string },
  Readings,
  Command,
  P extends Plan<Command, object>,
> {
  api: CustomResourceApi;
  /** The stored status; one that no longer parses is absent (the model starts over, idempotently). */
  statusSchema: z.ZodType<Status>;
  /** Reconcile an object being deleted too (the kind holds a finalizer); otherwise its children go by GC. */
  reconcilesDeletion?: boolean;
  /**
   * Reads what the object owns; null skips the object (nothing to reconcile). `stamp` starts every observation:
   * the reconcile's clock and the generation the status will say it observed.
   */
  observe(
    object: StoredObject,
    status: Status | undefined,
    stamp: ObservationStamp,
  ): Promise<Readings | null>;
  decide(view: ObjectView<Status, Readings>): P;
  execute(view: ObjectView<Status, Readings>, command: Command): Promise<void>;
  /** False when there is no status left to write (the object is gone once its finalizer went). */
  canWriteStatus?(view: ObjectView<Status, Readings>): boolean;
  /** `ambient_<kind>_phase_transitions_total`: each transition counted once, after its status write. */
  transitionCounter: Counter<'namespace' | 'from_phase' | 'to_phase'>;
  /** After the status write, beyond counting the transitions (e.g. a duration). */
  statusWritten?(view: ObjectView<Status, Readings>, plan: P): void;
}

/** What every observation of a phase-model kind starts with. */
export interface ObservationStamp {
  nowMs: number;
  generation?: number;
}

const withStatus = z.object({ status: z.unknown().optional() });

/** The loop's subject for one object of a phase-model kind, from the reads to the `/status` write. */
export function phaseModelSubject<
  Status extends { phase?: string },
  Readings,
  Command,
  P extends Plan<Command, object>,
>(
  kind: PhaseModelKind<Status, Readings, Command, P>,
  ref: { namespace: string; name: string },
  deps: Pick<WorkerDeps, 'api' | 'now'>,
): LoopSubject<ObjectView<Status, Readings>, Command, never, object, P> {
  const statusOf = (object: StoredObject) =>
    kind.statusSchema.safeParse(withStatus.parse(object.raw).status).data;
  const going = (object: StoredObject) => !kind.reconcilesDeletion && !!object.metadata.deletionTimestamp;
  return {
    async load() {
      const object = await readStoredObject(deps, kind.api, ref);
      if (object === null || going(object)) return null;
      const status = statusOf(object);
      const nowMs = deps.now();
      const { generation } = object.metadata;
      const stamp = { nowMs, ...(generation !== undefined ? { generation } : {}) };
      const readings = await kind.observe(object, status, stamp);
      if (readings === null) return null;
      return { object, status, readings, nowMs, resourceVersion: object.metadata.resourceVersion };
    },
    async reread(view) {
      const fresh = await readStoredObject(deps, kind.api, ref);
      if (fresh === null || going(fresh) || fresh.metadata.generation !== view.object.metadata.generation)
        return null;
      return {
        ...view,
        object: fresh,
        status: statusOf(fresh),
        resourceVersion: fresh.metadata.resourceVersion,
      };
    },
    phaseOf: (view) => view.status?.phase || 'Pending',
    nowMs: (view) => view.nowMs,
    decide: (view) => kind.decide(view),
    execute: (view, command) => kind.execute(view, command),
    async writeStatus(view, patch) {
      if (kind.canWriteStatus?.(view) === false) return;
      view.resourceVersion = await patchStatus(
        deps,
        kind.api,
        { ...view.object.metadata, resourceVersion: view.resourceVersion },
        patch,
      );
    },
    statusWritten(view, plan) {
      const { namespace } = view.object.metadata;
      for (const t of plan.transitions)
        kind.transitionCounter.inc({ namespace, from_phase: t.from, to_phase: t.to });
      kind.statusWritten?.(view, plan);
    },
  };
}

/** A decision whose commands all run before the status write, as a plan for the loop. */
export function beforeWrite<Command>(decision: {
  statusPatch: object;
  commands: readonly Command[];
  transitions: Plan<Command, object>['transitions'];
}): Plan<Command, object> {
  return {
    statusPatch: decision.statusPatch,
    beforeStatusWrite: decision.commands,
    afterStatusWrite: [],
    transitions: decision.transitions,
  };
}
