import type { MachineConfig } from './machine-config.js';
import type { SessionObservation } from './session-observation.js';
import type { SessionStatus } from './session-status.js';

/**
 * The machine's context is the stored status minus `phase` (which is the state value). It is
 * rebuilt from the CR on every reconcile; no XState snapshot is stored anywhere.
 */
export type SessionContext = Omit<SessionStatus, 'phase'>;

/** The one event: what a reconcile observed, and the tunables to judge it with. */
export interface ObserveEvent {
  type: 'OBSERVE';
  observation: SessionObservation;
  config: MachineConfig;
}

export type SessionEvent = ObserveEvent;

export function contextFromStatus(status: SessionStatus | undefined): SessionContext {
  if (status === undefined) return {};
  const { phase: _phase, ...rest } = status;
  return { ...rest };
}
