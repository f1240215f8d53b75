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
}

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

/**
 * The script of a container. `runMs` undefined means: a regular init container exits 0 at once; a
 * sidecar or main container runs until the pod ends or is deleted.
 */
export function scriptOf(container: Obj): ContainerScript {
  const runSeconds = finiteNumber(envValue(container, 'SIM_RUN_SECONDS'));
  const oom = envValue(container, 'SIM_OOM') === 'true';
  const exit = finiteNumber(envValue(container, 'SIM_EXIT_CODE'));
  return {
    runMs: runSeconds !== undefined ? runSeconds * 1000 : oom ? 0 : undefined,
    exitCode: oom ? 137 : exit !== undefined && Number.isInteger(exit) ? exit : 0,
    oom,
    imagePullFails: envValue(container, 'SIM_IMAGE_PULL') === 'fail',
    startDelayMs: finiteNumber(envValue(container, 'SIM_START_DELAY_MS')),
  };
}

export function terminationReason(script: ContainerScript): string {
  if (script.oom) return 'OOMKilled';
  return script.exitCode === 0 ? 'Completed' : 'Error';
}
