import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { transition } from 'xstate';

/**
 * What the scheduler machines' `decide` functions share: feed one observation to a machine and follow
 * `reevaluate` until it settles. Every phase change comes back with the reason of its `phaseChanged`
 * action; every other action whose type is a command type comes back as a command `{ type, ...params }`.
 */
export interface MachineRun {
  snapshot: AnyMachineSnapshot;
  commands: { type: string; [param: string]: unknown }[];
  transitions: { from: string; to: string; reason: string }[];
}

export function runToRest(
  machine: AnyStateMachine,
  start: AnyMachineSnapshot,
  event: { type: string },
  commandTypes: readonly string[],
  maxSteps: number,
): MachineRun {
  let snapshot = start;
  const commands: MachineRun['commands'] = [];
  const transitions: MachineRun['transitions'] = [];
  for (let step = 1; ; step++) {
    if (step > maxSteps) throw new Error(`${machine.id} machine did not settle within ${maxSteps} steps`);
    const from = String(snapshot.value);
    const [next, actions] = transition(machine, snapshot, event);
    let reason: string | undefined;
    let reevaluate = false;
    for (const action of actions as readonly { type: string; params?: unknown }[]) {
      const params = (action.params ?? {}) as Record<string, unknown>;
      if (action.type === 'phaseChanged') reason = String(params.reason);
      else if (action.type === 'reevaluate') reevaluate = true;
      else if (commandTypes.includes(action.type)) commands.push({ ...params, type: action.type });
      else throw new Error(`${machine.id} machine returned an unknown action ${action.type}`);
    }
    const to = String(next.value);
    if (to !== from) {
      if (reason === undefined) throw new Error(`${machine.id} transition ${from} → ${to} lacks a reason`);
      transitions.push({ from, to, reason });
    }
    snapshot = next;
    if (!reevaluate) return { snapshot, commands, transitions };
  }
}
