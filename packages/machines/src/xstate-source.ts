import type { AnyStateMachine } from 'xstate';

/**
 * A machine as a self-contained XState v5 TypeScript file that Stately's visualizer and editor import as is:
 * `setup()` with every guard and action as a named stub, and the state config from `machine.toJSON()` (states,
 * transitions with their guards, actions with static params, descriptions). The operator's implementations
 * stay in packages/machines; the file is for looking at the model, and is regenerated, never edited.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Node = { [key: string]: Json };

const asNode = (value: Json | undefined): Node =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
const asList = (value: Json | undefined): Json[] => (Array.isArray(value) ? value : []);

/** Named guards and actions used anywhere in the definition (stubs are generated for each). */
interface Names {
  guards: Set<string>;
  actions: Set<string>;
}

function actionsOf(list: Json | undefined, names: Names): Json[] {
  return asList(list).flatMap((action): Json[] => {
    const type = typeof action === 'string' ? action : asNode(action).type;
    // Built-ins (assign, raise, …) are `xstate.*`; their work is the implementation's, not the model's.
    if (typeof type !== 'string' || type.startsWith('xstate.')) return [];
    names.actions.add(type);
    const params = asNode(action).params;
    return [params === undefined ? type : { type, params }];
  });
}

function transitionOf(t: Node, names: Names): Node {
  const out: Node = {};
  const targets = asList(t.target).filter((x): x is string => typeof x === 'string');
  if (targets.length === 1) out.target = targets[0]!;
  else if (targets.length > 1) out.target = targets;
  const guard = typeof t.guard === 'string' ? t.guard : asNode(t.guard).type;
  if (typeof guard === 'string') {
    names.guards.add(guard);
    out.guard = t.guard!;
  }
  const actions = actionsOf(t.actions, names);
  if (actions.length) out.actions = actions;
  if (typeof t.description === 'string') out.description = t.description;
  if (t.reenter === true) out.reenter = true;
  return out;
}

function stateOf(node: Node, names: Names): Node {
  const out: Node = {};
  if (typeof node.description === 'string') out.description = node.description;
  if (node.type === 'final' || node.type === 'parallel') out.type = node.type;
  const initial = asList(asNode(node.initial).target)[0];
  if (typeof initial === 'string') out.initial = initial.slice(initial.lastIndexOf('.') + 1);
  for (const key of ['entry', 'exit'] as const) {
    const actions = actionsOf(node[key], names);
    if (actions.length) out[key] = actions;
  }
  const on: Node = {};
  let always: Json[] = [];
  for (const [event, transitions] of Object.entries(asNode(node.on))) {
    const list = asList(transitions).map((t) => transitionOf(asNode(t), names));
    if (event === '') always = list;
    else on[event] = list;
  }
  if (Object.keys(on).length) out.on = on;
  if (always.length) out.always = always;
  const children = Object.entries(asNode(node.states));
  if (children.length)
    out.states = Object.fromEntries(children.map(([key, child]) => [key, stateOf(asNode(child), names)]));
  const tags = asList(node.tags);
  if (tags.length) out.tags = tags;
  return out;
}

function stubs(names: Set<string>, body: string): string {
  return [...names]
    .sort()
    .map((name) => `    ${JSON.stringify(name)}: ${body},`)
    .join('\n');
}

export function toXStateSource(machine: AnyStateMachine, origin: string): string {
  const names: Names = { guards: new Set(), actions: new Set() };
  const root = asNode(JSON.parse(JSON.stringify(machine.toJSON())) as Json);
  const config = { id: machine.id, ...stateOf(root, names) };
  return `// Generated from ${origin} by \`pnpm machines:diagram\`; do not edit.
// A self-contained XState v5 machine for Stately's tools: paste it into https://stately.ai/viz, or import it in
// the Stately editor (https://stately.ai/editor, "Import from code"). Guards and actions are named stubs: guards
// are false, so the visualizer follows each state's unguarded alternative; the real ones live in packages/machines.
import { setup } from 'xstate';

export const machine = setup({
  guards: {
${stubs(names.guards, '() => false')}
  },
  actions: {
${stubs(names.actions, '() => {}')}
  },
}).createMachine(${JSON.stringify(config, null, 2)});
`;
}
