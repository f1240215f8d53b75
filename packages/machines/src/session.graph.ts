import type { AnyStateMachine } from 'xstate';
import { toDirectedGraph } from 'xstate/graph';
import { sessionMachine } from './session.machine.js';
import type { SessionPhase, TransitionSource } from './session-status.js';
import { isSessionPhase, isTerminalPhase, NO_PHASE, PHASES } from './session-status.js';

/** A state of the machine: a phase, or `New` (no phase stored yet). */
export type SessionMachineState = 'New' | SessionPhase;

/** One transition of a machine definition (one guarded alternative of OBSERVE in one state). */
export interface MachineEdge<S extends string = string> {
  /** Stable id `<state>:<index>`, the alternative's position in its state's OBSERVE list. */
  id: string;
  source: S;
  /** Equal to `source` for alternatives that stay in the phase. */
  target: S;
  /** Guard name; undefined for the unguarded last alternative ("else"). */
  guard?: string;
  guardParams?: Record<string, unknown>;
  /** The transition's `description` in the machine, if any. */
  description?: string;
}

/** One transition of the session machine. */
export type SessionMachineEdge = MachineEdge<SessionMachineState>;

function stateName(key: string): SessionMachineState {
  if (key === 'New' || isSessionPhase(key)) return key;
  throw new Error(`unexpected state ${key} in the session machine`);
}

/** Every transition of a machine, read from its graph (xstate/graph), in definition order. */
export function machineEdges<S extends string>(
  machine: AnyStateMachine,
  nameOf: (key: string) => S,
): MachineEdge<S>[] {
  const graph = toDirectedGraph(machine);
  return graph.children.flatMap((node) =>
    node.edges.map((edge, index) => {
      const guard: unknown = edge.transition.guard;
      const named =
        typeof guard === 'string'
          ? { type: guard }
          : (guard as { type?: string; params?: unknown } | undefined);
      return {
        id: `${node.stateNode.key}:${index}`,
        source: nameOf(edge.source.key),
        target: nameOf(edge.target.key),
        ...(named?.type !== undefined ? { guard: named.type } : {}),
        ...(named?.params !== undefined && typeof named.params === 'object' && named.params !== null
          ? { guardParams: named.params as Record<string, unknown> }
          : {}),
        ...(edge.transition.description !== undefined ? { description: edge.transition.description } : {}),
      };
    }),
  );
}

/** Every transition of the session machine, in definition order. */
export function sessionMachineEdges(): SessionMachineEdge[] {
  return machineEdges(sessionMachine, stateName);
}

/** A phase change as metrics and the dashboard label it (`from: 'None'` for a new session). */
export interface SessionTransitionPair {
  from: TransitionSource;
  to: SessionPhase;
}

/** Every (from, to) phase change the machine can make, derived from its definition; for metric label init. */
export const SESSION_TRANSITIONS: readonly SessionTransitionPair[] = Object.freeze(
  uniquePairs(sessionMachineEdges()).map((p) => Object.freeze(p)),
);

function uniquePairs(edges: SessionMachineEdge[]): SessionTransitionPair[] {
  const seen = new Set<string>();
  const pairs: SessionTransitionPair[] = [];
  for (const edge of edges) {
    if (edge.source === edge.target || edge.target === 'New') continue;
    const from: TransitionSource = edge.source === 'New' ? NO_PHASE : edge.source;
    const key = `${from}->${edge.target}`;
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push({ from, to: edge.target });
  }
  return pairs;
}

/** The label of an edge in diagrams: its guard, else its description, else `else` (the fallback alternative). */
export function edgeLabel(edge: MachineEdge): string {
  return edge.guard ?? edge.description ?? 'else';
}

/**
 * The machine as a Mermaid `stateDiagram-v2`: phase changes as arrows labelled with their guards,
 * the alternatives that stay in a phase as a note on it. Derived, never edited by hand.
 */
export function toMermaid(): string {
  return renderMermaid({
    phases: PHASES,
    edges: sessionMachineEdges(),
    isTerminal: (phase) => isSessionPhase(phase) && isTerminalPhase(phase),
  });
}

/** A phase model (its phases, edges and terminal phases) as a Mermaid `stateDiagram-v2`. */
export function renderMermaid(model: {
  phases: readonly string[];
  edges: MachineEdge[];
  isTerminal: (phase: string) => boolean;
}): string {
  const edges = model.edges;
  const lines = [
    'stateDiagram-v2',
    '  %% Generated from packages/machines (pnpm machines:diagram). Do not edit.',
  ];
  for (const edge of edges) {
    if (edge.source === edge.target) continue;
    const from = edge.source === 'New' ? '[*]' : edge.source;
    lines.push(`  ${from} --> ${edge.target} : ${edgeLabel(edge)}`);
  }
  for (const phase of model.phases) {
    const stays = edges
      .filter((e) => e.source === phase && e.target === phase && e.guard !== undefined)
      .map(edgeLabel);
    if (stays.length === 0) continue;
    lines.push(`  note right of ${phase}`, `    stays while ${stays.join(', ')}`, '  end note');
  }
  const terminal = model.phases.filter(model.isTerminal);
  if (terminal.length > 0) {
    lines.push('  classDef terminal fill:#eeeeee,stroke:#555555');
    lines.push(`  class ${terminal.join(',')} terminal`);
  }
  return `${lines.join('\n')}\n`;
}
