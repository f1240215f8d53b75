import type { PodTimings } from './pod-timings.js';
import type { KubeObject } from './types.js';
import { isPlainObject } from './types.js';

/** What a simulated container does, scripted by its env (see README "Scripted pods"). */
export interface ContainerScript {
  /** How long it runs before exiting; undefined = its kind's default (see `scriptOf`). */
  runMs: number | undefined;
  exitCode: number;
  oom: boolean;
  imagePullFails: boolean;
  /** Time in ContainerCreating; undefined = the kubelet's `startDelayMs`. */
  startDelayMs: number | undefined;
  /** What the container writes to `terminationMessageFile` before it exits, if anything. */
  terminationMessage: string | undefined;
  /** Where it writes it. */
  terminationMessageFile: string;
}

/** Where containers write their termination message unless told otherwise (the API server's default path). */
export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';
/** The kubelet keeps at most this many bytes of a termination message. */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;

/**
 * Env var naming the container(s) (comma-separated) that the `SIM_*` vars are meant for. Operators
 * copy a session's env into every container of the pod; with this set, the other containers ignore
 * their `SIM_*` vars and behave by default.
 */
export const SIM_TARGET_CONTAINER = 'SIM_TARGET_CONTAINER';

/** The behaviour of a container without `SIM_*` vars. */
const DEFAULT_SCRIPT: ContainerScript = {
  runMs: undefined,
  exitCode: 0,
  oom: false,
  imagePullFails: false,
  startDelayMs: undefined,
  terminationMessage: undefined,
  terminationMessageFile: DEFAULT_TERMINATION_MESSAGE_PATH,
};

type Obj = Record<string, unknown>;

function envValue(container: Obj, name: string): string | undefined {
  const env = Array.isArray(container.env) ? container.env.filter(isPlainObject) : [];
  const entry = env.find((e) => e.name === name);
  return typeof entry?.value === 'string' ? entry.value : undefined;
}

function finiteNumber(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Whether this container's `SIM_*` vars apply to it (no SIM_TARGET_CONTAINER, or it names this one). */
function isScriptTarget(container: Obj): boolean {
  const target = envValue(container, SIM_TARGET_CONTAINER);
  if (target === undefined || target.trim() === '') return true;
  return target
    .split(',')
    .map((name) => name.trim())
    .includes(String(container.name));
}

/**
 * The script of a container. `runMs` undefined means: a regular init container exits 0 at once; a
 * sidecar or main container runs until the pod ends or is deleted.
 */
export function scriptOf(container: Obj): ContainerScript {
  if (!isScriptTarget(container)) return DEFAULT_SCRIPT;
  const runSeconds = finiteNumber(envValue(container, 'SIM_RUN_SECONDS'));
  const oom = envValue(container, 'SIM_OOM') === 'true';
  const exit = finiteNumber(envValue(container, 'SIM_EXIT_CODE'));
  return {
    runMs: runSeconds !== undefined ? runSeconds * 1000 : oom ? 0 : undefined,
    exitCode: oom ? 137 : exit !== undefined && Number.isInteger(exit) ? exit : 0,
    oom,
    imagePullFails: envValue(container, 'SIM_IMAGE_PULL') === 'fail',
    startDelayMs: finiteNumber(envValue(container, 'SIM_START_DELAY_MS')),
    terminationMessage: envValue(container, 'SIM_TERMINATION_MESSAGE'),
    terminationMessageFile:
      envValue(container, 'SIM_TERMINATION_MESSAGE_PATH') ?? DEFAULT_TERMINATION_MESSAGE_PATH,
  };
}

/**
 * `state.terminated.message` as the kubelet reports it: the file at the container's
 * `terminationMessagePath` (default /dev/termination-log), cut at 4096 bytes. A message the container
 * wrote elsewhere is not seen.
 */
export function terminationMessageOf(container: Obj, script: ContainerScript): string | undefined {
  if (script.terminationMessage === undefined) return undefined;
  const path =
    typeof container.terminationMessagePath === 'string' && container.terminationMessagePath !== ''
      ? container.terminationMessagePath
      : DEFAULT_TERMINATION_MESSAGE_PATH;
  if (path !== script.terminationMessageFile) return undefined;
  const bytes = Buffer.from(script.terminationMessage, 'utf8');
  if (bytes.length <= TERMINATION_MESSAGE_MAX_BYTES) return script.terminationMessage;
  // Cut on a byte boundary as the kubelet does; a split character becomes U+FFFD when decoded.
  return bytes.subarray(0, TERMINATION_MESSAGE_MAX_BYTES).toString('utf8');
}

export function terminationReason(script: ContainerScript): string {
  if (script.oom) return 'OOMKilled';
  return script.exitCode === 0 ? 'Completed' : 'Error';
}

/** Time a scheduled pod spends in ContainerCreating: the node's start delay, or longer if a container asks. */
export function podStartDelayMs(pod: KubeObject, timings: Pick<PodTimings, 'startDelayMs'>): number {
  const spec = isPlainObject(pod.spec) ? pod.spec : {};
  const containers = [spec.initContainers, spec.containers].flatMap((list) =>
    Array.isArray(list) ? list.filter(isPlainObject) : [],
  );
  return Math.max(timings.startDelayMs, ...containers.map((c) => scriptOf(c).startDelayMs ?? 0));
}
