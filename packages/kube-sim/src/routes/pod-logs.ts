import { badRequest } from '../errors.js';
import { containersOf, obj, stateOf, statusList } from '../pod-status.js';
import type { KubeObject } from '../types.js';
import { isPlainObject } from '../types.js';

type Query = Record<string, string | undefined>;

/**
 * Env var with the lines a simulated container prints while it runs (`\n`-separated; a literal `\n` in a
 * manifest works too), after kube-sim's own start line. Aimed like the other SIM_* vars (SIM_TARGET_CONTAINER).
 */
export const SIM_LOG = 'SIM_LOG';

function envValue(container: Record<string, unknown>, name: string): string | undefined {
  const env = Array.isArray(container.env) ? container.env.filter(isPlainObject) : [];
  const entry = env.find((e) => e.name === name);
  return typeof entry?.value === 'string' ? entry.value : undefined;
}

function targeted(container: Record<string, unknown>): boolean {
  const target = envValue(container, 'SIM_TARGET_CONTAINER');
  return !target?.trim() || target.split(',').some((n) => n.trim() === container.name);
}

/** The lines of one run of a container, from its state (running or terminated) and its SIM_LOG. */
function runLines(
  container: Record<string, unknown>,
  state: Record<string, unknown>,
): Array<[string, string]> {
  const { running, terminated } = stateOf({ state });
  const started = String(running?.startedAt ?? terminated?.startedAt ?? '');
  const lines: Array<[string, string]> = [
    [started, `kube-sim: container ${String(container.name)} started (image ${String(container.image)})`],
  ];
  const script = targeted(container) ? envValue(container, SIM_LOG) : undefined;
  for (const line of script?.split(/\\n|\n/) ?? []) lines.push([started, line]);
  if (terminated) {
    const reason = terminated.reason ? ` (${String(terminated.reason)})` : '';
    lines.push([
      String(terminated.finishedAt ?? started),
      `kube-sim: exited with code ${String(terminated.exitCode)}${reason}`,
    ]);
  }
  return lines;
}

/**
 * GET pods/<name>/log: what a simulated container printed, as text/plain — the kubelet's answers for a pod with
 * several containers and no `container`, a container still waiting, and `previous` without a restart included.
 * `tailLines`, `timestamps` and `previous` are honoured; `follow` returns what is there (no streaming).
 */
export function podLog(pod: KubeObject, query: Query): string {
  const name = pod.metadata.name ?? '';
  const containers = [...containersOf(pod, 'initContainers'), ...containersOf(pod, 'containers')];
  let containerName = query.container;
  if (!containerName) {
    const main = containersOf(pod, 'containers');
    if (main.length !== 1)
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${main.map((c) => String(c.name)).join(' ')}]`,
      );
    containerName = String(main[0]!.name);
  }
  const container = containers.find((c) => c.name === containerName);
  if (!container) throw badRequest(`container ${containerName} is not valid for pod ${name}`);
  const status = [
    ...statusList(obj(pod.status), 'initContainerStatuses'),
    ...statusList(obj(pod.status), 'containerStatuses'),
  ].find((s) => s.name === containerName);
  const previous = query.previous === 'true' || query.previous === '1';
  const state = obj(previous ? status?.lastState : status?.state);
  if (previous && !stateOf({ state }).terminated)
    throw badRequest(`previous terminated container "${containerName}" in pod "${name}" not found`);
  const { waiting } = stateOf({ state });
  if (!status || (waiting && !stateOf({ state }).running && !stateOf({ state }).terminated)) {
    const reason = String(waiting?.reason ?? 'ContainerCreating');
    throw badRequest(`container "${containerName}" in pod "${name}" is waiting to start: ${reason}`);
  }
  let lines = runLines(container, state);
  const tail = query.tailLines === undefined ? undefined : Number(query.tailLines);
  if (tail !== undefined && Number.isInteger(tail) && tail >= 0) lines = tail === 0 ? [] : lines.slice(-tail);
  const withTimestamps = query.timestamps === 'true' || query.timestamps === '1';
  return (
    lines
      .map(([at, text]) => (withTimestamps ? `${at.replace('Z', '.000000000Z')} ${text}` : text))
      .join('\n') + (lines.length ? '\n' : '')
  );
}
