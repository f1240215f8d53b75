import type {
  DecideInput,
  RunnerJobObservation,
  RunnerPodObservation,
  SessionObservation,
  SessionStatus,
} from '@ambient-operator/machines';
import { DEFAULT_MACHINE_CONFIG } from '@ambient-operator/machines';

/** A fixed "now" for tests: the machine never reads the clock, so neither do its tests. */
export const T0 = Date.parse('2026-03-01T12:00:00Z');
export const config = DEFAULT_MACHINE_CONFIG;

export function ts(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** startTime of the run the status fixtures are in. */
export const RUN_START = ts(T0 - 600_000);

export function observation(overrides: Partial<SessionObservation> = {}): SessionObservation {
  return {
    nowMs: T0,
    generation: 1,
    creationTimestamp: ts(T0 - 3_600_000),
    annotations: {},
    validation: { ok: true },
    runnerSecret: { name: 'ambient-runner-secrets', present: true },
    token: { secretPresent: true, refreshedAtMs: T0 - 60_000 },
    inactivityTimeoutSeconds: 86_400,
    runner: { job: null, pod: null },
    ...overrides,
  };
}

export function job(overrides: Partial<RunnerJobObservation> = {}): RunnerJobObservation {
  return { runStartTime: RUN_START, deleting: false, complete: false, ...overrides };
}

export function pod(overrides: Partial<RunnerPodObservation> = {}): RunnerPodObservation {
  return {
    phase: 'Running',
    deleting: false,
    nodeName: 'node-1',
    scheduled: { status: 'True' },
    runner: { state: 'running' },
    ...overrides,
  };
}

/** A runner of the run `runStart` whose container is running. */
export function runningRunner(runStart = RUN_START): SessionObservation['runner'] {
  return { job: job({ runStartTime: runStart }), pod: pod() };
}

/** A runner Job of the run `runStart` whose pod is still pulling its image. */
export function startingRunner(runStart = RUN_START): SessionObservation['runner'] {
  return {
    job: job({ runStartTime: runStart }),
    pod: pod({ phase: 'Pending', runner: { state: 'waiting', reason: 'ContainerCreating' } }),
  };
}

/** A stored status in `phase`, as this operator would have written it. */
export function status(
  phase: NonNullable<SessionStatus['phase']>,
  overrides: Partial<SessionStatus> = {},
): SessionStatus {
  const base: SessionStatus = { phase, startTime: RUN_START, phaseTransitionTime: ts(T0 - 30_000) };
  if (phase !== 'Pending') base.observedGeneration = 1;
  if (phase === 'Stopped' || phase === 'Completed' || phase === 'Failed')
    base.completionTime = ts(T0 - 20_000);
  if (phase === 'Stopping' || phase === 'Stopped') base.stoppedReason = 'user';
  return { ...base, ...overrides };
}

export function input(sessionStatus: SessionStatus | undefined, obs: SessionObservation): DecideInput {
  return { status: sessionStatus, observation: obs, config };
}
