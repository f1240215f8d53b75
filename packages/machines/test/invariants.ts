import type { DecideInput, Decision, SessionObservation, SessionStatus } from '@ambient-operator/machines';
import {
  snapshotFromStatus,
  applyStatusPatch,
  decide,
  isTerminalPhase,
  PHASE_HISTORY_LIMIT,
  SESSION_ANNOTATIONS,
  SESSION_TRANSITIONS,
} from '@ambient-operator/machines';
import { expect } from 'vitest';
import { config, input, observation } from './builders.js';

/** What must hold after every decision, whatever the input. */
export function checkInvariants(input: DecideInput, decision: Decision): void {
  const before = structuredClone(input);
  const after = applyStatusPatch(input.status, decision.statusPatch);
  const where = `after ${JSON.stringify(decision.transitions)} from ${input.status?.phase ?? 'None'}`;

  expect(after.phase, where).toBe(decision.nextPhase);
  if (isTerminalPhase(decision.nextPhase))
    expect(after.completionTime, `completionTime ${where}`).toBeDefined();

  for (const value of Object.values(decision.statusPatch)) expect(value, where).not.toBeUndefined();

  if (decision.commands.some((c) => c.type === 'createRunnerJob')) {
    expect(
      decision.transitions.some((t) => t.from === 'Pending' && t.to === 'Creating'),
      where,
    ).toBe(true);
  }

  const actedOnStop = decision.transitions.some((t) => t.to === 'Stopping' || t.to === 'Stopped');
  if (actedOnStop && input.observation.annotations.desiredPhase === 'Stopped') {
    const cleared = decision.commands.flatMap((c) => (c.type === 'clearAnnotations' ? c.keys : []));
    expect(cleared, `desired-phase cleared ${where}`).toContain(SESSION_ANNOTATIONS.desiredPhase);
  }

  expect(after.runnerRecreations ?? 0).toBeLessThanOrEqual(input.config.maxRunnerRecreations);

  const types = (after.conditions ?? []).map((c) => c.type.toLowerCase());
  expect(new Set(types).size, `unique condition types ${where}`).toBe(types.length);

  expect((after.phaseHistory ?? []).length).toBeLessThanOrEqual(PHASE_HISTORY_LIMIT);

  if (decision.wakeAtMs !== undefined)
    expect(decision.wakeAtMs, where).toBeGreaterThan(input.observation.nowMs);

  const known = new Set(SESSION_TRANSITIONS.map((t) => `${t.from}->${t.to}`));
  // A defaulted Pending without startTime is a new session (snapshotFromStatus).
  const rehydrated = snapshotFromStatus(input.status).value as string;
  let previous = rehydrated === 'New' ? 'None' : rehydrated;
  for (const t of decision.transitions) {
    expect(known.has(`${t.from}->${t.to}`), `${t.from}->${t.to} is a declared transition`).toBe(true);
    expect(t.from, `transitions chain ${where}`).toBe(previous);
    previous = t.to;
  }
  expect(previous).toBe(decision.nextPhase);

  // Pure: the input is untouched and the same input gives the same output.
  expect(input).toEqual(before);
  expect(decide(structuredClone(input))).toEqual(decision);
}

/** One reconcile through decide(), checked against every invariant; `status` is the status after the patch. */
export function reconcileOnce(
  current: SessionStatus | undefined,
  obs: SessionObservation = observation(),
  cfg = config,
) {
  const decisionInput = { ...input(current, obs), config: cfg };
  const decision = decide(decisionInput);
  checkInvariants(decisionInput, decision);
  return { ...decision, status: applyStatusPatch(current, decision.statusPatch) };
}
