/**
 * Scenarios for the rows of the upstream transition table (contract §2.2) that still apply,
 * as this operator serves them. Architecture §3's changes are in scenarios-architecture.test.ts.
 */
import type { SessionCommand } from '@ambient-operator/machines';
import { findCondition, SESSION_ANNOTATIONS } from '@ambient-operator/machines';
import { describe, expect, it } from 'vitest';
import {
  config,
  job,
  observation,
  pod,
  RUN_START,
  runningRunner,
  startingRunner,
  status,
  T0,
  ts,
} from './builders.js';
import { reconcileOnce } from './invariants.js';

const run = reconcileOnce;

const types = (commands: SessionCommand[]) => commands.map((c) => c.type);
const cleared = (commands: SessionCommand[]) =>
  commands.flatMap((c) => (c.type === 'clearAnnotations' ? c.keys : []));

describe('contract §2.2, row by row', () => {
  it('row 1+3: a new session goes None → Pending → Creating in one reconcile and creates its runner', () => {
    const r = run(undefined, observation({ token: { secretPresent: false } }));
    expect(r.transitions).toEqual([
      { from: 'None', to: 'Pending', reason: 'SessionCreated' },
      { from: 'Pending', to: 'Creating', reason: 'RunnerJobCreated' },
    ]);
    expect(r.status.startTime).toBe(ts(T0));
    expect(r.status.observedGeneration).toBe(1);
    expect(types(r.commands)).toEqual([
      'ensureRunnerToken',
      'copyPlatformSecrets',
      'ensureNetworkPolicy',
      'createRunnerJob',
      'ensureService',
    ]);
    expect(r.commands).toContainEqual({ type: 'createRunnerJob', isResume: false, runStartTime: ts(T0) });
    expect(findCondition(r.status.conditions, 'SecretsReady')).toMatchObject({
      status: 'True',
      reason: 'AllRequiredSecretsFound',
    });
    expect(findCondition(r.status.conditions, 'PodCreated')).toMatchObject({
      status: 'True',
      reason: 'PodCreated',
    });
  });

  it('row 3: desired-phase and force-execute-prompt are cleared once the runner is created', () => {
    const obs = observation({ annotations: { desiredPhase: 'Running', forceExecutePrompt: true } });
    const r = run(status('Pending'), obs);
    expect(cleared(r.commands)).toEqual([
      SESSION_ANNOTATIONS.desiredPhase,
      SESSION_ANNOTATIONS.forceExecutePrompt,
    ]);
  });

  it('row 2: a stop before anything was created goes straight to Stopped', () => {
    const obs = observation({ annotations: { desiredPhase: 'Stopped', stopRequestedAt: ts(T0 - 1_000) } });
    const r = run(undefined, obs);
    expect(r.transitions.map((t) => t.to)).toEqual(['Pending', 'Stopped']);
    expect(types(r.commands)).not.toContain('createRunnerJob');
    expect(r.status).toMatchObject({ phase: 'Stopped', stoppedReason: 'user', completionTime: ts(T0) });
    for (const type of ['Ready', 'PodCreated', 'RunnerStarted'] as const) {
      expect(findCondition(r.status.conditions, type)).toMatchObject({
        status: 'False',
        reason: 'UserStopped',
      });
    }
    expect(cleared(r.commands)).toEqual([
      SESSION_ANNOTATIONS.desiredPhase,
      SESSION_ANNOTATIONS.stopRequestedAt,
    ]);
  });

  it('row 2: stop-reason=inactivity gives stoppedReason inactivity, any other value user', () => {
    const idle = run(
      status('Pending'),
      observation({ annotations: { desiredPhase: 'Stopped', stopReason: 'inactivity' } }),
    );
    expect(idle.status.stoppedReason).toBe('inactivity');
    expect(findCondition(idle.status.conditions, 'Ready')?.reason).toBe('InactivityTimeout');
    const finished = run(
      status('Pending'),
      observation({ annotations: { desiredPhase: 'Stopped', stopReason: 'run-finished' } }),
    );
    expect(finished.status.stoppedReason).toBe('user');
    expect(cleared(finished.commands)).toContain(SESSION_ANNOTATIONS.stopReason);
  });

  it('row 4/5: the Job of this run already exists (lost status write) → Creating, no second Job, Service ensured', () => {
    const r = run(
      status('Pending'),
      observation({ runner: { job: job({ runStartTime: RUN_START }), pod: null } }),
    );
    expect(r.transitions).toEqual([{ from: 'Pending', to: 'Creating', reason: 'RunnerJobExists' }]);
    expect(types(r.commands)).toEqual(['ensureService']);
    expect(findCondition(r.status.conditions, 'PodCreated')).toMatchObject({
      status: 'True',
      reason: 'PodExists',
    });
  });

  it("row 6: Vertex on and ambient-vertex missing fails the session with upstream's instructions", () => {
    const missing = { name: 'ambient-vertex', present: false, namespace: 'ambient-code', vertex: true };
    const r = run(status('Pending'), observation({ runnerSecret: missing }));
    expect(r.nextPhase).toBe('Failed');
    expect(r.commands.map((c) => c.type)).not.toContain('createRunnerJob');
    expect(findCondition(r.status.conditions, 'SecretsReady')).toMatchObject({
      status: 'False',
      reason: 'VertexSecretMissing',
      message:
        'USE_VERTEX is enabled but ambient-vertex secret not found in namespace ambient-code. Create it with: ' +
        'kubectl create secret generic ambient-vertex --from-file=ambient-code-key.json=/path/to/sa.json -n ambient-code',
    });
    expect(findCondition(r.status.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'VertexSecretMissing',
    });
  });

  it('row 8: a missing runner secret keeps the session Pending with a condition and a backed-off wake-up', () => {
    const missing = { name: 'ambient-runner-secrets', present: false };
    const first = run(status('Pending'), observation({ runnerSecret: missing }));
    expect(first.nextPhase).toBe('Pending');
    expect(first.commands).toEqual([]);
    expect(findCondition(first.status.conditions, 'SecretsReady')).toMatchObject({
      status: 'False',
      reason: 'RunnerSecretMissing',
      message: 'Secret ambient-runner-secrets not found in the session namespace',
    });
    expect(first.wakeAtMs).toBe(T0 + config.secretRetryBaseMs);

    // Waking up at each deadline gives growing gaps (5 s, 10 s, 20 s, …), not a hot loop.
    let current = first.status;
    let nowMs = T0;
    const gaps: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = run(current, observation({ nowMs, runnerSecret: missing }));
      expect(r.statusPatch).toEqual({});
      gaps.push((r.wakeAtMs ?? 0) - nowMs);
      nowMs = r.wakeAtMs ?? nowMs;
      current = r.status;
    }
    expect(gaps).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);

    // Once the secret exists the runner is created and SecretsReady turns True.
    const fixed = run(current, observation({ nowMs }));
    expect(fixed.nextPhase).toBe('Creating');
    expect(findCondition(fixed.status.conditions, 'SecretsReady')?.status).toBe('True');
  });

  it('row 11: Creating with no runner left and a stop request → Stopped', () => {
    const r = run(status('Creating'), observation({ annotations: { desiredPhase: 'Stopped' } }));
    expect(r.transitions).toEqual([{ from: 'Creating', to: 'Stopped', reason: 'UserStopped' }]);
  });

  it('row 13: the runner container runs → Running, startTime untouched', () => {
    const r = run(status('Creating'), observation({ runner: runningRunner() }));
    expect(r.transitions).toEqual([{ from: 'Creating', to: 'Running', reason: 'RunnerStarted' }]);
    expect(r.status.startTime).toBe(RUN_START);
    expect(findCondition(r.status.conditions, 'RunnerStarted')).toMatchObject({
      status: 'True',
      reason: 'ContainerRunning',
    });
    expect(findCondition(r.status.conditions, 'Ready')).toMatchObject({ status: 'True', reason: 'Running' });
    expect(findCondition(r.status.conditions, 'PodScheduled')).toMatchObject({
      message: 'Scheduled on node-1',
    });
  });

  it('row 14: pod Succeeded in Creating → Completed and the runner is cleaned up', () => {
    const r = run(
      status('Creating'),
      observation({ runner: { job: job(), pod: pod({ phase: 'Succeeded', runner: undefined }) } }),
    );
    expect(r.transitions).toEqual([{ from: 'Creating', to: 'Completed', reason: 'Completed' }]);
    expect(r.status.completionTime).toBe(ts(T0));
    expect(types(r.commands)).toEqual(['deleteRunner', 'deleteService', 'deleteCopiedSecrets']);
  });

  it('row 15: an init container failure → Failed with its message', () => {
    const failing = pod({
      phase: 'Failed',
      runner: { state: 'waiting', reason: 'PodInitializing' },
      initFailure: { container: 'init-hydrate', reason: 'Error', exitCode: 3, message: 'clone failed' },
    });
    const r = run(status('Creating'), observation({ runner: { job: job(), pod: failing } }));
    expect(r.nextPhase).toBe('Failed');
    expect(findCondition(r.status.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'InitContainerFailed',
      message: 'Init container init-hydrate failed (exit code 3): Error - clone failed',
    });
  });

  it.each([
    'ImagePullBackOff',
    'ErrImagePull',
    'CrashLoopBackOff',
    'CreateContainerConfigError',
    'InvalidImageName',
  ])('row 16: runner waiting for %s → Failed', (reason) => {
    const waiting = pod({ phase: 'Pending', runner: { state: 'waiting', reason, message: 'details' } });
    const r = run(status('Creating'), observation({ runner: { job: job(), pod: waiting } }));
    expect(r.transitions).toEqual([{ from: 'Creating', to: 'Failed', reason }]);
    expect(findCondition(r.status.conditions, 'Ready')?.message).toBe(`Runner waiting: ${reason} - details`);
  });

  it.each([
    [0, 'Completed', 'Completed', 'Runner finished'],
    [2, 'Failed', 'PrerequisiteFailed', 'Runner exited with code 2: Error - no repo access'],
    [1, 'Failed', 'RunnerExit', 'Runner exited with code 1: Error - no repo access'],
  ] as const)('row 17: runner exit %i → %s (%s)', (exitCode, phase, reason, message) => {
    const ended = pod({
      runner: { state: 'terminated', exitCode, reason: 'Error', message: 'no repo access' },
    });
    const r = run(status('Creating'), observation({ runner: { job: job(), pod: ended } }));
    expect(r.nextPhase).toBe(phase);
    expect(findCondition(r.status.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason,
      ...(exitCode === 0 ? {} : { message }),
    });
  });

  it('row 18: scheduling trouble stays Creating and mirrors PodScheduled', () => {
    const unschedulable = pod({
      phase: 'Pending',
      nodeName: undefined,
      scheduled: { status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' },
      runner: undefined,
    });
    const r = run(status('Creating'), observation({ runner: { job: job(), pod: unschedulable } }));
    expect(r.transitions).toEqual([]);
    expect(findCondition(r.status.conditions, 'PodScheduled')).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message: '0/3 nodes are available',
    });
  });

  it('row 20: a stop request while Running → Stopping; the runner and Service are deleted', () => {
    const r = run(
      status('Running'),
      observation({ annotations: { desiredPhase: 'Stopped' }, runner: runningRunner() }),
    );
    expect(r.transitions).toEqual([{ from: 'Running', to: 'Stopping', reason: 'StopRequested' }]);
    expect(r.commands).toEqual([
      { type: 'deleteRunner' },
      { type: 'deleteService' },
      { type: 'clearAnnotations', keys: [SESSION_ANNOTATIONS.desiredPhase] },
    ]);
    expect(r.status.stoppedReason).toBe('user');
    expect(findCondition(r.status.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Stopping',
    });
    expect(r.wakeAtMs).toBe(T0 + config.stopGraceMs);
  });

  it('row 22: a spec change while Running asks the worker to sync, and status tells the truth about it', () => {
    const running = status('Running');
    const asked = run(running, observation({ generation: 2, runner: runningRunner() }));
    expect(asked.commands).toContainEqual({ type: 'syncRunnerSpec', generation: 2 });
    expect(asked.status.observedGeneration).toBe(1);
    expect(findCondition(asked.status.conditions, 'Reconciled')).toMatchObject({
      status: 'Unknown',
      reason: 'SpecSyncInProgress',
    });

    const repos = [
      { url: 'https://github.com/o/r.git', name: 'r', status: 'Ready' as const, clonedAt: ts(T0) },
    ];
    const ok = run(
      asked.status,
      observation({
        generation: 2,
        runner: runningRunner(),
        specSync: {
          generation: 2,
          repos: { ok: true, reconciled: repos },
          workflow: { ok: true, reconciled: null },
        },
      }),
    );
    expect(types(ok.commands)).not.toContain('syncRunnerSpec');
    expect(ok.status.observedGeneration).toBe(2);
    expect(ok.status.reconciledRepos).toEqual(repos);
    expect(findCondition(ok.status.conditions, 'Reconciled')).toMatchObject({
      status: 'True',
      reason: 'SpecApplied',
    });
    expect(findCondition(ok.status.conditions, 'WorkflowReconciled')).toMatchObject({
      status: 'True',
      reason: 'NotConfigured',
    });

    const failed = run(
      asked.status,
      observation({
        generation: 2,
        runner: runningRunner(),
        specSync: {
          generation: 2,
          repos: { ok: false, message: 'POST /repos/add: 502' },
          workflow: { ok: true, reconciled: null },
        },
      }),
    );
    expect(failed.status.observedGeneration).toBe(1);
    expect(findCondition(failed.status.conditions, 'Reconciled')).toMatchObject({
      status: 'False',
      reason: 'RepoReconciliationFailed',
      message: 'POST /repos/add: 502',
    });
    expect(failed.wakeAtMs).toBe(T0 + config.specSyncRetryMs);
  });

  it('row 24: Stopping with the runner gone → Stopped; stop annotations cleared, copied secrets released (the Service went on entering Stopping)', () => {
    const obs = observation({ annotations: { stopReason: 'run-finished', stopRequestedAt: ts(T0 - 5_000) } });
    const r = run(status('Stopping'), obs);
    expect(r.transitions).toEqual([{ from: 'Stopping', to: 'Stopped', reason: 'UserStopped' }]);
    expect(r.status.completionTime).toBe(ts(T0));
    expect(types(r.commands)).toEqual(['deleteCopiedSecrets', 'clearAnnotations']);
    expect(cleared(r.commands)).toEqual([
      SESSION_ANNOTATIONS.stopReason,
      SESSION_ANNOTATIONS.stopRequestedAt,
    ]);
  });

  it('row 25: Stopping with the runner still there deletes it once, then waits for the event', () => {
    const present = run(status('Stopping'), observation({ runner: runningRunner() }));
    expect(present.commands).toEqual([{ type: 'deleteRunner' }]);
    const deleting = run(
      status('Stopping'),
      observation({ runner: { job: job({ deleting: true }), pod: pod({ deleting: true }) } }),
    );
    expect(deleting.commands).toEqual([]);
    expect(deleting.statusPatch).toEqual({});
  });

  it('row 26: desired-phase=Running leaves a terminal phase: reset, then a resumed runner', () => {
    const stopped = status('Stopped', {
      lastActivityTime: ts(T0 - 50_000),
      runnerRecreations: 2,
      lastRunnerRecreationTime: ts(T0 - 99_000),
    });
    const r = run(
      stopped,
      observation({ annotations: { desiredPhase: 'Running', stopReason: 'inactivity' } }),
    );
    expect(r.transitions).toEqual([
      { from: 'Stopped', to: 'Pending', reason: 'RestartRequested' },
      { from: 'Pending', to: 'Creating', reason: 'RunnerJobCreated' },
    ]);
    expect(r.status.startTime).toBe(ts(T0));
    for (const gone of [
      'completionTime',
      'lastActivityTime',
      'stoppedReason',
      'runnerRecreations',
      'lastRunnerRecreationTime',
    ] as const) {
      expect(r.statusPatch[gone], gone).toBeNull();
    }
    expect(r.commands).toContainEqual({ type: 'createRunnerJob', isResume: true, runStartTime: ts(T0) });
    expect(cleared(r.commands)).toEqual([SESSION_ANNOTATIONS.desiredPhase, SESSION_ANNOTATIONS.stopReason]);
  });

  it('row 26: force-execute-prompt suppresses IS_RESUME on the restarted runner', () => {
    const r = run(
      status('Completed'),
      observation({ annotations: { desiredPhase: 'Running', forceExecutePrompt: true } }),
    );
    expect(r.commands).toContainEqual({ type: 'createRunnerJob', isResume: false, runStartTime: ts(T0) });
    expect(cleared(r.commands)).toContain(SESSION_ANNOTATIONS.forceExecutePrompt);
  });

  it.each(['Stopped', 'Completed', 'Failed'] as const)(
    'row 27: %s ignores everything but desired-phase=Running',
    (phase) => {
      for (const obs of [
        observation(),
        observation({ annotations: { desiredPhase: 'Stopped' } }),
        observation({
          generation: 7,
          runnerSecret: { name: 's', present: false },
          validation: { ok: false, issues: [] },
        }),
      ]) {
        const r = run(status(phase), obs);
        expect(r.transitions).toEqual([]);
        expect(r.commands).toEqual([]);
        expect(r.statusPatch).toEqual({});
        expect(r.wakeAtMs).toBeUndefined();
      }
    },
  );

  it('a steady Running session writes nothing and sleeps until its next deadline', () => {
    const running = status('Running', { lastActivityTime: ts(T0 - 60_000) });
    const r = run(
      running,
      observation({ runner: runningRunner(), token: { secretPresent: true, refreshedAtMs: T0 - 600_000 } }),
    );
    expect(r.statusPatch).toEqual({});
    expect(r.commands).toEqual([]);
    expect(r.wakeAtMs).toBe(T0 - 600_000 + config.tokenRefreshIntervalMs);
  });

  it('Creating keeps waiting while the Job controller has not made the pod yet', () => {
    const r = run(status('Creating'), observation({ runner: { job: job(), pod: null } }));
    expect(r.transitions).toEqual([]);
    const starting = run(status('Creating'), observation({ runner: startingRunner() }));
    expect(starting.transitions).toEqual([]);
  });
});
