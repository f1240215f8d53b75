/** Scenarios for the changes architecture §3 makes to the upstream phase model. */
import type { SessionCommand, SessionStatus } from '@ambient-operator/machines';
import { findCondition, SESSION_ANNOTATIONS } from '@ambient-operator/machines';
import { describe, expect, it } from 'vitest';
import { config, job, observation, pod, RUN_START, runningRunner, status, T0, ts } from './builders.js';
import { reconcileOnce } from './invariants.js';

const run = reconcileOnce;

const types = (commands: SessionCommand[]) => commands.map((c) => c.type);

describe('Running observes its runner', () => {
  it.each([
    ['exit 0', pod({ runner: { state: 'terminated', exitCode: 0 } }), 'Completed', 'Completed'],
    ['pod Succeeded', pod({ phase: 'Succeeded', runner: undefined }), 'Completed', 'Completed'],
    [
      'non-zero exit',
      pod({ runner: { state: 'terminated', exitCode: 1, reason: 'Error' } }),
      'Failed',
      'RunnerExit',
    ],
    ['exit 2', pod({ runner: { state: 'terminated', exitCode: 2 } }), 'Failed', 'PrerequisiteFailed'],
    [
      'OOMKilled',
      pod({ runner: { state: 'terminated', exitCode: 137, reason: 'OOMKilled' } }),
      'Failed',
      'OOMKilled',
    ],
    ['pod Failed', pod({ phase: 'Failed', runner: undefined }), 'Failed', 'PodFailed'],
    [
      'eviction',
      pod({ phase: 'Failed', eviction: { reason: 'Evicted', message: 'The node was low on memory.' } }),
      'Failed',
      'Evicted',
    ],
    [
      'crash loop',
      pod({ runner: { state: 'waiting', reason: 'CrashLoopBackOff' } }),
      'Failed',
      'CrashLoopBackOff',
    ],
  ] as const)('%s → %s with reason %s', (_what, runnerPod, phase, reason) => {
    const r = run(status('Running'), observation({ runner: { job: job(), pod: runnerPod } }));
    expect(r.transitions).toEqual([{ from: 'Running', to: phase, reason }]);
    expect(r.status.completionTime).toBe(ts(T0));
    expect(findCondition(r.status.conditions, 'Ready')).toMatchObject({ status: 'False', reason });
    expect(types(r.commands)).toEqual(['deleteRunner', 'deleteService', 'deleteCopiedSecrets']);
  });

  it('a failed Job (e.g. DeadlineExceeded) with its pod still there → Failed with the Job reason', () => {
    const failedJob = job({
      failed: { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
    });
    const r = run(status('Running'), observation({ runner: { job: failedJob, pod: pod() } }));
    expect(r.transitions).toEqual([{ from: 'Running', to: 'Failed', reason: 'DeadlineExceeded' }]);
  });
});

describe('a vanished runner is re-created at most N times, with backoff', () => {
  it('Job deleted while Running → Pending, counted, then a resumed runner after the backoff', () => {
    const vanished = run(status('Running'), observation({ runner: { job: null, pod: null } }));
    expect(vanished.transitions).toEqual([{ from: 'Running', to: 'Pending', reason: 'RunnerJobDeleted' }]);
    expect(vanished.status).toMatchObject({
      runnerRecreations: 1,
      lastRunnerRecreationTime: ts(T0),
      startTime: ts(T0),
    });
    expect(findCondition(vanished.status.conditions, 'Ready')).toMatchObject({ reason: 'RunnerRecreating' });
    expect(vanished.commands).toEqual([]);
    expect(vanished.wakeAtMs).toBe(T0 + config.runnerRecreationBackoffMs);

    // An early event does not shorten the backoff.
    const early = run(vanished.status, observation({ nowMs: T0 + 1_000 }));
    expect(early.nextPhase).toBe('Pending');
    expect(types(early.commands)).not.toContain('createRunnerJob');
    expect(early.wakeAtMs).toBe(T0 + config.runnerRecreationBackoffMs);

    const due = run(vanished.status, observation({ nowMs: T0 + config.runnerRecreationBackoffMs }));
    expect(due.transitions).toEqual([{ from: 'Pending', to: 'Creating', reason: 'RunnerJobCreated' }]);
    expect(due.commands).toContainEqual({ type: 'createRunnerJob', isResume: true, runStartTime: ts(T0) });
  });

  it('pod deleted while Running (Job left behind) → the old Job is deleted and the new run waits for it', () => {
    const failedJob = job({ failed: { reason: 'BackoffLimitExceeded' } });
    const vanished = run(status('Running'), observation({ runner: { job: failedJob, pod: null } }));
    expect(vanished.transitions).toEqual([{ from: 'Running', to: 'Pending', reason: 'RunnerPodDeleted' }]);
    expect(vanished.commands).toEqual([{ type: 'deleteRunner' }]);

    const later = T0 + 60_000;
    const waiting = run(
      vanished.status,
      observation({ nowMs: later, runner: { job: { ...failedJob, deleting: true }, pod: null } }),
    );
    expect(waiting.nextPhase).toBe('Pending');
    expect(waiting.commands).toEqual([]);
    expect(findCondition(waiting.status.conditions, 'Ready')).toMatchObject({
      reason: 'PreviousRunnerTerminating',
    });

    const gone = run(waiting.status, observation({ nowMs: later + 1_000 }));
    expect(gone.nextPhase).toBe('Creating');
  });

  it('the backoff doubles, and after the limit the session fails instead of looping', () => {
    let current: SessionStatus = status('Running');
    let nowMs = T0;
    const delays: number[] = [];
    for (let n = 1; n <= config.maxRunnerRecreations; n++) {
      const vanished = run(current, observation({ nowMs, runner: { job: null, pod: null } }));
      expect(vanished.status.runnerRecreations).toBe(n);
      delays.push((vanished.wakeAtMs ?? 0) - nowMs);
      nowMs = vanished.wakeAtMs ?? nowMs;
      const created = run(vanished.status, observation({ nowMs }));
      expect(created.nextPhase).toBe('Creating');
      const runStart = created.status.startTime ?? '';
      const started = run(
        created.status,
        observation({ nowMs: nowMs + 1_000, runner: runningRunner(runStart) }),
      );
      expect(started.nextPhase).toBe('Running');
      current = started.status;
      nowMs += 60_000;
    }
    expect(delays).toEqual([5_000, 10_000, 20_000]);

    const lost = run(current, observation({ nowMs, runner: { job: null, pod: null } }));
    expect(lost.transitions).toEqual([{ from: 'Running', to: 'Failed', reason: 'RunnerLost' }]);
    expect(lost.status.runnerRecreations).toBe(config.maxRunnerRecreations);
    expect(lost.status.completionTime).toBe(ts(nowMs));
    expect(findCondition(lost.status.conditions, 'Ready')?.message).toContain('re-creation limit (3)');
  });

  it('the limit comes from the config', () => {
    const r = run(status('Running'), observation({ runner: { job: null, pod: null } }), {
      ...config,
      maxRunnerRecreations: 0,
    });
    expect(r.nextPhase).toBe('Failed');
  });

  it('a runner that vanishes in Creating is re-created too', () => {
    const r = run(status('Creating'), observation({ runner: { job: null, pod: null } }));
    expect(r.transitions).toEqual([{ from: 'Creating', to: 'Pending', reason: 'RunnerJobDeleted' }]);
  });

  it('a restart gives a fresh re-creation budget', () => {
    const failed = status('Failed', { runnerRecreations: 3, lastRunnerRecreationTime: ts(T0 - 500_000) });
    const r = run(failed, observation({ annotations: { desiredPhase: 'Running' } }));
    expect(r.status.runnerRecreations).toBeUndefined();
    expect(r.nextPhase).toBe('Creating');
  });
});

describe('a stop request is honoured in Creating', () => {
  it('with the runner still starting: Creating → Stopping (runner deleted) → Stopped once it is gone', () => {
    const pulling = {
      job: job(),
      pod: pod({ phase: 'Pending', runner: { state: 'waiting', reason: 'ContainerCreating' } }),
    };
    const stopping = run(
      status('Creating'),
      observation({ annotations: { desiredPhase: 'Stopped' }, runner: pulling }),
    );
    expect(stopping.transitions).toEqual([{ from: 'Creating', to: 'Stopping', reason: 'StopRequested' }]);
    expect(types(stopping.commands)).toEqual(['deleteRunner', 'deleteService', 'clearAnnotations']);

    const stopped = run(stopping.status, observation({ nowMs: T0 + 5_000 }));
    expect(stopped.transitions).toEqual([{ from: 'Stopping', to: 'Stopped', reason: 'UserStopped' }]);
  });
});

describe('Stopping has a grace deadline, then force-deletes', () => {
  const stoppingSince = (ms: number) => status('Stopping', { phaseTransitionTime: ts(ms) });
  const stuck = { job: job({ deleting: true }), pod: pod({ deleting: true }) };

  it('wakes at the deadline, then deletes with gracePeriodSeconds 0 and re-checks one grace later', () => {
    const before = run(stoppingSince(T0 - 10_000), observation({ runner: stuck }));
    expect(before.commands).toEqual([]);
    expect(before.wakeAtMs).toBe(T0 - 10_000 + config.stopGraceMs);

    const after = run(stoppingSince(T0 - config.stopGraceMs), observation({ runner: stuck }));
    expect(after.commands).toEqual([{ type: 'deleteRunner', gracePeriodSeconds: 0 }]);
    expect(after.wakeAtMs).toBe(T0 + config.stopGraceMs);
  });

  it('a Stopping status written without phaseTransitionTime gets one, so the grace starts now', () => {
    const legacy = status('Stopping', { phaseTransitionTime: undefined });
    const r = run(legacy, observation({ runner: stuck }));
    expect(r.statusPatch).toEqual({ phaseTransitionTime: ts(T0) });
    expect(r.wakeAtMs).toBe(T0 + config.stopGraceMs);
  });

  it('a start request that arrived during Stopping is honoured as soon as the runner is gone', () => {
    const r = run(status('Stopping'), observation({ annotations: { desiredPhase: 'Running' } }));
    expect(r.transitions.map((t) => `${t.from}->${t.to}`)).toEqual([
      'Stopping->Stopped',
      'Stopped->Pending',
      'Pending->Creating',
    ]);
  });
});

describe('a Job left from an earlier run is deleted before a new one is created', () => {
  it('after a restart, the old Job blocks creation until it is gone', () => {
    const oldJob = job({ runStartTime: RUN_START });
    const restarted = run(
      status('Completed'),
      observation({ annotations: { desiredPhase: 'Running' }, runner: { job: oldJob, pod: null } }),
    );
    expect(restarted.transitions).toEqual([{ from: 'Completed', to: 'Pending', reason: 'RestartRequested' }]);
    expect(types(restarted.commands)).toEqual(['clearAnnotations', 'deleteRunner']);

    const stillThere = run(
      restarted.status,
      observation({ nowMs: T0 + 1_000, runner: { job: { ...oldJob, deleting: true }, pod: null } }),
    );
    expect(stillThere.commands).toEqual([]);
    expect(stillThere.nextPhase).toBe('Pending');

    const gone = run(stillThere.status, observation({ nowMs: T0 + 2_000 }));
    expect(gone.commands).toContainEqual({ type: 'createRunnerJob', isResume: true, runStartTime: ts(T0) });
  });

  it('a restart within the same second (or millisecond) as the last run still tells the runs apart', () => {
    const startedNow = status('Completed', { startTime: ts(T0) });
    const oldJob = job({ runStartTime: ts(T0), complete: true });
    const sameMs = run(
      startedNow,
      observation({ annotations: { desiredPhase: 'Running' }, runner: { job: oldJob, pod: null } }),
    );
    expect(sameMs.status.startTime).toBe(ts(T0 + 1));
    expect(sameMs.nextPhase).toBe('Pending');
    expect(sameMs.commands).toContainEqual({ type: 'deleteRunner' });

    const sameSecond = run(
      startedNow,
      observation({
        nowMs: T0 + 400,
        annotations: { desiredPhase: 'Running' },
        runner: { job: oldJob, pod: null },
      }),
    );
    expect(sameSecond.status.startTime).toBe('2026-03-01T12:00:00.400Z');
    expect(sameSecond.nextPhase).toBe('Pending');
  });

  it('a Job without a run annotation (not ours) is treated as an earlier run', () => {
    const r = run(
      status('Pending'),
      observation({ runner: { job: job({ runStartTime: undefined }), pod: null } }),
    );
    expect(r.commands).toEqual([{ type: 'deleteRunner' }]);
  });
});

describe('desired-phase=Running', () => {
  it.each(['Creating', 'Running'] as const)(
    'is cleared once satisfied (%s), so a later completion does not restart',
    (phase) => {
      const runner = phase === 'Running' ? runningRunner() : { job: job(), pod: null };
      const r = run(status(phase), observation({ annotations: { desiredPhase: 'Running' }, runner }));
      expect(r.commands).toContainEqual({
        type: 'clearAnnotations',
        keys: [SESSION_ANNOTATIONS.desiredPhase],
      });
    },
  );

  it('is kept while Stopping, and restarts the session once stopped', () => {
    const r = run(
      status('Stopping'),
      observation({ annotations: { desiredPhase: 'Running' }, runner: runningRunner() }),
    );
    expect(r.commands).toEqual([{ type: 'deleteRunner' }]);
  });
});

describe('chained steps in one reconcile', () => {
  it('Creating → Running applies Running’s checks at once (a spec edit made while Creating is synced)', () => {
    const r = run(status('Creating'), observation({ generation: 2, runner: runningRunner() }));
    expect(r.transitions).toEqual([{ from: 'Creating', to: 'Running', reason: 'RunnerStarted' }]);
    expect(r.commands).toContainEqual({ type: 'syncRunnerSpec', generation: 2 });
  });

  it('a Pending status without startTime (CRD-defaulted) is a new session: counted as created, given a startTime', () => {
    const r = run(status('Pending', { startTime: undefined }), observation());
    expect(r.transitions[0]).toMatchObject({ from: 'None', to: 'Pending' });
    expect(r.status.startTime).toBe(ts(T0));
    expect(r.commands).toContainEqual({ type: 'createRunnerJob', isResume: false, runStartTime: ts(T0) });
  });
});
