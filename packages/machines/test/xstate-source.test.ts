import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createActor, type AnyStateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { MACHINES, toXStateSource } from '@ambient-operator/machines';
import { xstateOrigin, xstatePath } from '../scripts/diagram-paths.js';

type Node = { on?: Record<string, { target?: string[]; guard?: unknown }[]>; states?: Record<string, Node> };

/** Every transition as `source --event[guard]--> targets`, walked from `machine.toJSON()`. */
function edges(machine: AnyStateMachine): string[] {
  const out: string[] = [];
  const walk = (path: string, node: Node) => {
    for (const [event, transitions] of Object.entries(node.on ?? {})) {
      for (const t of transitions) {
        const guard =
          typeof t.guard === 'string' ? t.guard : (t.guard as { type?: string } | undefined)?.type;
        out.push(`${path} --${event}[${guard ?? ''}]--> ${(t.target ?? []).join(',')}`);
      }
    }
    for (const [key, child] of Object.entries(node.states ?? {})) walk(`${path}.${key}`, child);
  };
  walk(machine.id, machine.toJSON() as Node);
  return out;
}

describe('docs/*.xstate.ts: each machine for Stately’s visualizer', () => {
  it('the registry lists every machine once, with its id', () => {
    expect(MACHINES.map((m) => m.id)).toEqual([...new Set(MACHINES.map((m) => m.machine.id))]);
    expect(MACHINES.map((m) => m.id)).toEqual(['session', 'userDeployment', 'agentTask', 'workflow']);
  });

  for (const { id, docs, machine } of MACHINES) {
    it(`${docs}.xstate.ts is up to date (run \`pnpm machines:diagram\`)`, () => {
      expect(readFileSync(xstatePath(docs), 'utf8')).toBe(toXStateSource(machine, xstateOrigin(docs)));
    });

    it(`${docs}.xstate.ts imports nothing but xstate and has ${id}'s states and transitions`, async () => {
      const source = readFileSync(xstatePath(docs), 'utf8');
      expect([...source.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1])).toEqual(['xstate']);
      const { machine: standalone } = (await import(pathToFileURL(xstatePath(docs)).href)) as {
        machine: AnyStateMachine;
      };
      expect(standalone.id).toBe(id);
      expect(edges(standalone)).toEqual(edges(machine));
      const actor = createActor(standalone).start();
      expect(actor.getSnapshot().value).toEqual(
        createActor(machine, { input: {} as never }).getSnapshot().value,
      );
      actor.stop();
    });
  }
});
