import type { SessionMachineEdge, SessionObservation, SessionStatus } from '@ambient-operator/machines';
import {
  job,
  observation,
  pod,
  RUN_START,
  runningRunner,
  startingRunner,
  status,
  T0,
  ts,
  config,
} from './builders.js';

/** A stored status and an observation under which one machine edge is the one taken. */
export interface Witness {
  status: SessionStatus | undefined;
  observation: SessionObservation;
}

/**
 * The neutral situation of each state: it takes the state's unguarded last alternative.
 * `runStart` is the session's startTime, which the runner Job of the current run carries.
 */
function base(state: SessionMachineEdge['source'], runStart: string): Witness {
  switch (state) {
    case 'New':
      return { status: undefined, observation: observation() };
    case 'Pending':
      return { status: status('Pending'), observation: observation() };
    case 'Creating':
      return { status: status('Creating'), observation: observation({ runner: startingRunner(runStart) }) };
    case 'Running':
      return {
        status: status('Running', { lastActivityTime: ts(T0 - 60_000) }),
        observation: observation({ runner: runningRunner(runStart) }),
      };
    case 'Stopping':
      return { status: status('Stopping'), observation: observation({ runner: runningRunner(runStart) }) };
    case 'Stopped':
    case 'Completed':
    case 'Failed':
      return { status: status(state), observation: observation() };
  }
}

type Tweak = (w: Witness) => Witness;

const withObservation =
  (change: (o: SessionObservation) => Partial<SessionObservation>): Tweak =>
  (w) => ({ ...w, observation: { ...w.observation, ...change(w.observation) } });

const withStatus =
  (change: Partial<SessionStatus>): Tweak =>
  (w) => ({ ...w, status: { ...(w.status ?? {}), ...change } });

const noRunner = withObservation(() => ({ runner: { job: null, pod: null } }));

/**
 * How to make each guard hold, starting from the neutral situation of the edge's state. A guard
 * missing here fails the coverage test, so a new transition cannot go untested.
 */
export function guardWitnesses(runStart: string): Record<string, Tweak> {
  const terminated = (exitCode: number): Tweak =>
    withObservation(() => ({
      runner: {
        job: job({ runStartTime: runStart }),
        pod: pod({
          runner: { state: 'terminated', exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' },
        }),
      },
    }));
  return {
    stopRequestedRunnerGone: (w) =>
      noRunner(withObservation((o) => ({ annotations: { ...o.annotations, desiredPhase: 'Stopped' } }))(w)),
    stopRequested: withObservation((o) => ({
      annotations: { ...o.annotations, desiredPhase: 'Stopped' },
      runner:
        o.runner.job === null ? { job: job({ runStartTime: ts(T0 - 9_000_000) }), pod: null } : o.runner,
    })),
    startRequested: withObservation((o) => ({ annotations: { ...o.annotations, desiredPhase: 'Running' } })),
    specInvalid: withObservation(() => ({
      validation: {
        ok: false,
        issues: [
          { reason: 'NameTooLong', field: 'metadata.name', message: 'session-<name> exceeds 63 characters' },
        ],
      },
    })),
    runnerOfEarlierRun: withObservation(() => ({
      runner: { job: job({ runStartTime: ts(T0 - 9_000_000) }), pod: null },
    })),
    runnerOfThisRun: withObservation(() => ({ runner: { job: job({ runStartTime: runStart }), pod: null } })),
    runnerSecretMissing: withObservation(() => ({
      runnerSecret: { name: 'ambient-runner-secrets', present: false },
    })),
    vertexSecretMissing: withObservation(() => ({
      runnerSecret: { name: 'ambient-vertex', present: false, namespace: 'ambient-code', vertex: true },
    })),
    recreationBackoffPending: withStatus({ runnerRecreations: 1, lastRunnerRecreationTime: ts(T0 - 1_000) }),
    runnerSucceeded: terminated(0),
    runnerFailed: terminated(1),
    runnerStarted: withObservation(() => ({ runner: runningRunner(runStart) })),
    runnerVanishedRecreatable: noRunner,
    runnerVanishedLimitReached: (w) =>
      noRunner(withStatus({ runnerRecreations: config.maxRunnerRecreations })(w)),
    inactivityTimeoutExceeded: withStatus({ lastActivityTime: ts(T0 - 86_400_000 - 1_000) }),
    specSyncReported: withObservation(() => ({
      generation: 2,
      specSync: {
        generation: 2,
        repos: { ok: true, reconciled: [] },
        workflow: { ok: true, reconciled: null },
      },
    })),
    specChanged: withObservation(() => ({ generation: 2 })),
    runnerGone: noRunner,
    stopGraceExpired: withStatus({ phaseTransitionTime: ts(T0 - config.stopGraceMs - 1_000) }),
  };
}

/** The witness of one edge, or undefined when its guard has none. */
export function witnessFor(edge: SessionMachineEdge, runStart = RUN_START): Witness | undefined {
  const neutral = base(edge.source, runStart);
  if (edge.guard === undefined) return neutral;
  const tweak = guardWitnesses(runStart)[edge.guard];
  return tweak === undefined ? undefined : tweak(neutral);
}
