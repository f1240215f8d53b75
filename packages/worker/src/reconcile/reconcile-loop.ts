import { isDeepStrictEqual } from 'node:util';
import { OperatorError, classifyError, isConflict } from '@ambient-operator/shared';
import type { ReconcileResult, ReconcileTransition } from './reconciler.js';

/**
 * A reconcile's plan, as a phase model decides it: commands before the status write (each may return a follow-up
 * event for the model), the status patch, commands after the write, the transitions the write makes true, and the
 * next wake-up.
 */
export interface Plan<Command, Patch> {
  statusPatch: Patch;
  beforeStatusWrite: readonly Command[];
  afterStatusWrite: readonly Command[];
  transitions: readonly ReconcileTransition[];
  /** ms since the epoch. */
  wakeAtMs?: number;
}

/**
 * What the generic loop needs from one kind of object (`View`: the object and what it owns, as read now). The
 * loop never names a command: it runs what the plan says, in the order it says.
 */
export interface LoopSubject<
  View,
  Command,
  FollowUp,
  Patch,
  P extends Plan<Command, Patch> = Plan<Command, Patch>,
> {
  /** Live read of the object and its children; null when there is nothing to reconcile (gone, deleting, skipped). */
  load(): Promise<View | null>;
  /**
   * After a 409 on the status write: the object read again, with the children as first read (the commands already
   * run changed them; judging those changes is the next reconcile's work). Null when only a whole new reconcile can
   * tell (the object is gone, going, its spec changed, or another reconcile moved its phase on).
   */
  reread(view: View): Promise<View | null>;
  /** The phase as read, for metric labels. */
  phaseOf(view: View): string;
  nowMs(view: View): number;
  decide(view: View, followUps: readonly FollowUp[]): P;
  /** Runs one command idempotently; may return what it learned for the model. */
  execute(view: View, command: Command): Promise<FollowUp | void>;
  /** `/status` write with the read resourceVersion as precondition; a 409 is thrown as is. */
  writeStatus(view: View, patch: Patch): Promise<void>;
  /** Called once the status is written (count the transitions, record Events); must not throw. */
  statusWritten(view: View, plan: P): void | Promise<void>;
}

/** Re-reads after a 409 on the status write before the queue takes over (it re-runs the whole reconcile). */
export const MAX_STATUS_CONFLICTS = 8;
/** Decide → run → feed back rounds in one pass; a model that keeps asking for new work has a bug. */
export const MAX_DECIDE_ROUNDS = 8;

/** A reconcile failure labelled with the phase it happened in (the queue classifies it like its cause). */
export class ReconcileFailure extends OperatorError {
  constructor(
    readonly phase: string,
    cause: unknown,
  ) {
    const { kind, code, message } = classifyError(cause);
    super(message, code, kind, { cause });
    this.name = 'ReconcileFailure';
  }
}

/**
 * One reconcile: observe → decide → run the before-commands (their follow-ups go back into decide) → write status
 * (on 409: read the object again and decide again) → run the after-commands → `{ requeueAfterMs, phase, transitions }`.
 * A command already run in this reconcile is not run again when a later decision still lists it. After a 409 the
 * fresh decision is written only when it asks for nothing new and no follow-up was folded in; otherwise the 409 goes
 * to the queue, which runs the whole reconcile again from fresh reads: a status is never written from stale ones.
 */
export async function runReconcileLoop<View, Command, FollowUp, Patch, P extends Plan<Command, Patch>>(
  subject: LoopSubject<View, Command, FollowUp, Patch, P>,
): Promise<ReconcileResult> {
  let view = await subject.load();
  if (view === null) return {};
  const phase = subject.phaseOf(view);
  const executed: Command[] = [];
  const followUps: FollowUp[] = [];
  let conflicts = 0;
  let conflict: unknown;
  try {
    for (let round = 1; ; round++) {
      if (round > MAX_DECIDE_ROUNDS + MAX_STATUS_CONFLICTS)
        throw new Error('the reconcile plan did not settle');
      const plan = subject.decide(view, followUps);
      const pending = plan.beforeStatusWrite.filter(
        (c) => !executed.some((done) => isDeepStrictEqual(done, c)),
      );
      // New work after a 409 was judged from children read before our own commands: a fresh reconcile must do it.
      if (conflict !== undefined && pending.length > 0) throw conflict;
      let fedBack = false;
      for (const command of pending) {
        const followUp = await subject.execute(view, command);
        executed.push(command);
        if (followUp !== undefined) {
          followUps.push(followUp);
          fedBack = true;
        }
      }
      if (fedBack) continue;
      try {
        await subject.writeStatus(view, plan.statusPatch);
      } catch (err) {
        if (!isConflict(err) || ++conflicts > MAX_STATUS_CONFLICTS || followUps.length > 0) throw err;
        const fresh = await subject.reread(view);
        if (fresh === null) throw err;
        view = fresh;
        conflict = err;
        continue;
      }
      await subject.statusWritten(view, plan);
      for (const command of plan.afterStatusWrite) await subject.execute(view, command);
      const requeueAfterMs =
        plan.wakeAtMs === undefined ? undefined : Math.max(0, plan.wakeAtMs - subject.nowMs(view));
      return {
        phase,
        transitions: plan.transitions,
        ...(requeueAfterMs === undefined ? {} : { requeueAfterMs }),
      };
    }
  } catch (err) {
    throw new ReconcileFailure(phase, err);
  }
}
