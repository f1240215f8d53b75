import { createWebSocketInspector } from '@statelyai/inspect';
import type { Decision, SessionStatus } from '@ambient-operator/machines';
import { sessionMachine, snapshotFromStatus } from '@ambient-operator/machines';

/** Streams each reconcile of a session to an `@statelyai/inspect` WebSocket inspector (`XSTATE_INSPECT`). */
export interface ReconcileInspector {
  /** One reconcile: the machine as rehydrated from the status read, the OBSERVE it got, the snapshot written. */
  report(key: string, before: SessionStatus | undefined, decision: Decision, written: SessionStatus): void;
  close(): void;
}

/**
 * Each session key is one inspected actor (`session:<ns>/<name>`), registered with the machine's definition.
 * The event sent is a summary of the observation (phase transitions and command types), not the observation
 * itself: that carries the session and its pod, which an inspector on another machine has no need to see.
 * Unsent events wait in the inspector's bounded buffer while it is unreachable (it reconnects every 5 s).
 */
export function createReconcileInspector(url: string): ReconcileInspector {
  const inspector = createWebSocketInspector({ url });
  // The inspector reads an actor's definition from `logic.config` (it ignores `info.definition`), and nothing
  // else of it: the machine runs as pure transitions in the worker, so there is no live actor to hand over.
  type InspectedActor = Parameters<typeof inspector.actor>[0];
  const actorRef = (sessionId: string) =>
    ({ sessionId, logic: sessionMachine, _parent: undefined }) as unknown as InspectedActor;
  const snapshotOf = (status: SessionStatus | undefined) => {
    const snapshot = snapshotFromStatus(status);
    return { status: 'active' as const, value: snapshot.value, context: snapshot.context };
  };
  return {
    report(key, before, decision, written) {
      const actor = `session:${key}`;
      inspector.actor(actorRef(actor), snapshotOf(before));
      const event = {
        type: 'OBSERVE',
        transitions: decision.transitions.map((t) => `${t.from} → ${t.to} (${t.reason})`),
        commands: decision.commands.map((c) => c.type),
      };
      inspector.event(actor, event, { source: 'worker' });
      inspector.snapshot(actor, snapshotOf(written), { event });
    },
    close() {
      inspector.stop();
    },
  };
}
