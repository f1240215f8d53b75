import type { ObserveEvent, SessionMachineEdge, SessionStatus } from '@ambient-operator/machines';
import {
  applyStatusPatch,
  decide,
  NO_PHASE,
  PHASES,
  sessionMachine,
  sessionMachineEdges,
  snapshotFromStatus,
} from '@ambient-operator/machines';
import { transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import { config, input, observation, T0 } from './builders.js';
import { checkInvariants } from './invariants.js';
import { guardWitnesses, witnessFor } from './witnesses.js';

type GuardFn = (args: { context: unknown; event: ObserveEvent }, params: unknown) => boolean;
const guards = sessionMachine.implementations.guards as Record<string, GuardFn>;

/** Index of the alternative the machine takes in `source` for this input (first guard that holds). */
function takenAlternative(
  edges: SessionMachineEdge[],
  w: { status: SessionStatus | undefined; event: ObserveEvent },
) {
  const context = snapshotFromStatus(w.status).context;
  return edges.findIndex((e) => {
    if (e.guard === undefined) return true;
    const guard = guards[e.guard];
    if (guard === undefined) throw new Error(`guard ${e.guard} has no implementation`);
    return guard({ context, event: w.event }, e.guardParams);
  });
}

const edges = sessionMachineEdges();

describe('every transition of the machine graph', () => {
  const covered = new Set<string>();

  it.each(edges.map((e) => [`${e.id} ${e.source} → ${e.target} [${e.guard ?? 'else'}]`, e] as const))(
    '%s',
    (_name, edge) => {
      const w = witnessFor(edge);
      expect(w, `a witness for guard ${edge.guard ?? '(none)'}`).toBeDefined();
      if (w === undefined) return;
      const event: ObserveEvent = { type: 'OBSERVE', observation: w.observation, config };

      // The witness selects exactly this alternative: its guard holds and no earlier one does.
      const alternatives = edges.filter((e) => e.source === edge.source);
      expect(alternatives[takenAlternative(alternatives, { status: w.status, event })]?.id).toBe(edge.id);

      // One machine step lands on the edge's target.
      const [next] = transition(sessionMachine, snapshotFromStatus(w.status), event);
      expect(next.value).toBe(edge.target);

      // decide() reports it as its first transition (or as a stay) and keeps every invariant.
      const decision = decide(input(w.status, w.observation));
      if (edge.source === edge.target) {
        expect(decision.transitions).toEqual([]);
        expect(decision.nextPhase).toBe(edge.source);
      } else {
        expect(decision.transitions[0]).toMatchObject({
          from: edge.source === 'New' ? NO_PHASE : edge.source,
          to: edge.target,
        });
      }
      checkInvariants(input(w.status, w.observation), decision);
      covered.add(edge.id);
    },
  );

  it('covers all of them', () => {
    console.log(`session machine transitions covered: ${covered.size} / ${edges.length}`);
    expect(covered.size).toBe(edges.length);
    expect(edges.length).toBeGreaterThan(0);
  });

  it('has edges out of every phase and every phase reachable', () => {
    for (const phase of PHASES) {
      expect(edges.some((e) => e.source === phase)).toBe(true);
      expect(edges.some((e) => e.target === phase && e.source !== phase)).toBe(true);
    }
  });
});

describe('shortest paths to every state (xstate/graph), replayed through decide()', () => {
  const paths = getShortestPaths(sessionMachine, {
    input: {},
    events: (snapshot) => {
      const runStart = snapshot.context.startTime ?? new Date(T0).toISOString();
      return Object.values(guardWitnesses(runStart)).map((tweak): ObserveEvent => {
        const neutral = { status: undefined, observation: observation() };
        return { type: 'OBSERVE', observation: tweak(neutral).observation, config };
      });
    },
    serializeState: (snapshot) => String(snapshot.value),
  });

  it('reaches every phase', () => {
    const reached = new Set(paths.map((p) => String(p.state.value)));
    for (const phase of PHASES) expect(reached, phase).toContain(phase);
  });

  it.each(paths.map((p) => [String(p.state.value), p] as const))(
    'path to %s keeps the invariants',
    (_target, path) => {
      let current: SessionStatus | undefined;
      let nowMs = T0;
      const observed = path.steps.filter((step) => step.event.type === 'OBSERVE');
      expect(observed.length).toBe(path.steps.length - 1); // the first step is xstate.init
      for (const step of observed) {
        nowMs += 1_000;
        const obs = { ...step.event.observation, nowMs };
        const decision = decide(input(current, obs));
        checkInvariants(input(current, obs), decision);
        current = applyStatusPatch(current, decision.statusPatch);
      }
    },
  );
});
