import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  PHASES,
  SESSION_COMMAND_TYPES,
  SESSION_TRANSITIONS,
  sessionMachine,
  sessionMachineEdges,
  TERMINAL_PHASES,
  toMermaid,
  toSvg,
} from '@ambient-operator/machines';
import { describe, expect, it } from 'vitest';

const docs = (name: string) => fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));

describe('derived views of the machine', () => {
  it('SESSION_TRANSITIONS lists each phase change once, starting with None → Pending', () => {
    const keys = SESSION_TRANSITIONS.map((t) => `${t.from}->${t.to}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys[0]).toBe('None->Pending');
    for (const phase of PHASES)
      expect(
        SESSION_TRANSITIONS.some((t) => t.to === phase),
        phase,
      ).toBe(true);
    for (const terminal of TERMINAL_PHASES) {
      expect(SESSION_TRANSITIONS.filter((t) => t.from === terminal).map((t) => t.to)).toEqual(['Pending']);
    }
    // Exactly the phase-changing edges of the graph, nothing hand-written.
    const fromGraph = new Set(
      sessionMachineEdges()
        .filter((e) => e.source !== e.target)
        .map((e) => `${e.source === 'New' ? 'None' : e.source}->${e.target}`),
    );
    expect(new Set(keys)).toEqual(fromGraph);
  });

  it('every SessionCommand type is a named action of the machine', () => {
    const implemented = Object.keys(sessionMachine.implementations.actions);
    for (const type of SESSION_COMMAND_TYPES) expect(implemented).toContain(type);
  });

  it('the Mermaid diagram has an arrow for every phase change', () => {
    const mermaid = toMermaid();
    expect(mermaid.startsWith('stateDiagram-v2\n')).toBe(true);
    for (const t of SESSION_TRANSITIONS) {
      const from = t.from === 'None' ? '\\[\\*\\]' : t.from;
      expect(mermaid).toMatch(new RegExp(`^  ${from} --> ${t.to} : `, 'm'));
    }
  });

  it('the SVG names every phase and numbers every phase change', () => {
    const svg = toSvg();
    for (const phase of PHASES) expect(svg).toContain(`>${phase}</text>`);
    expect(svg.match(/<g class="edge">/g)).toHaveLength(SESSION_TRANSITIONS.length);
    expect(toSvg()).toBe(svg);
  });

  it('docs/session-machine.mmd and .svg are up to date (run `pnpm machines:diagram`)', () => {
    expect(readFileSync(docs('session-machine.mmd'), 'utf8')).toBe(toMermaid());
    expect(readFileSync(docs('session-machine.svg'), 'utf8')).toBe(toSvg());
  });
});
