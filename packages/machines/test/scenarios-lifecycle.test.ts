/** Scenarios for timers, tokens, bad input and status bookkeeping (architecture §3, contract §3.1 and §5). */
import type { SessionCommand, SessionObservation, SessionStatus } from '@ambient-operator/machines';
import { findCondition, PHASE_HISTORY_LIMIT, SESSION_ANNOTATIONS } from '@ambient-operator/machines';
import { describe, expect, it } from 'vitest';
import { config, job, observation, runningRunner, status, T0, ts } from './builders.js';
import { reconcileOnce } from './invariants.js';

const run = reconcileOnce;
const types = (commands: SessionCommand[]) => commands.map((c) => c.type);

describe('inactivity', () => {
  const timeout = 300;
  const idleSince = (ms: number) => status('Running', { lastActivityTime: ts(ms) });
  const obs = (overrides: Partial<SessionObservation> = {}) =>
    observation({ inactivityTimeoutSeconds: timeout, runner: runningRunner(), ...overrides });

  it('stops strictly after the timeout, with stoppedReason inactivity and no annotation round trip', () => {
    const exactly = run(idleSince(T0 - timeout * 1_000), obs());
    expect(exactly.nextPhase).toBe('Running');
    expect(exactly.wakeAtMs).toBe(T0 + 1);

    const past = run(idleSince(T0 - timeout * 1_000), obs({ nowMs: T0 + 1 }));
    expect(past.transitions).toEqual([{ from: 'Running', to: 'Stopping', reason: 'InactivityTimeout' }]);
    expect(past.status.stoppedReason).toBe('inactivity');
    expect(types(past.commands)).toEqual(['deleteRunner', 'deleteService']);

    const stopped = run(past.status, observation({ nowMs: T0 + 10_000 }));
    expect(stopped.status.stoppedReason).toBe('inactivity');
    expect(findCondition(stopped.status.conditions, 'Ready')?.reason).toBe('InactivityTimeout');
  });

  it('falls back to startTime, then to creationTimestamp', () => {
    const noActivity = status('Running', { startTime: ts(T0 - 400_000) });
    expect(run(noActivity, obs()).nextPhase).toBe('Stopping');
    const noStart = status('Running', { startTime: undefined });
    expect(run(noStart, obs({ creationTimestamp: ts(T0 - 100_000) })).nextPhase).toBe('Running');
    expect(run(noStart, obs({ creationTimestamp: ts(T0 - 400_000) })).nextPhase).toBe('Stopping');
  });

  it.each([0, null])('timeout %s disables it (no wake-up for it either)', (disabled) => {
    const r = run(idleSince(T0 - 30 * 86_400_000), obs({ inactivityTimeoutSeconds: disabled }));
    expect(r.nextPhase).toBe('Running');
    expect(r.wakeAtMs).toBe(T0 - 60_000 + config.tokenRefreshIntervalMs);
  });
});

describe('runner token refresh at 45 minutes while Creating or Running', () => {
  const refreshedAt = (ms: number) => ({ secretPresent: true, refreshedAtMs: ms });

  it('refreshes when due and sleeps until the next refresh otherwise', () => {
    const fresh = run(
      status('Running'),
      observation({ runner: runningRunner(), token: refreshedAt(T0 - 44 * 60_000) }),
    );
    expect(fresh.commands).toEqual([]);
    expect(fresh.wakeAtMs).toBe(T0 + 60_000);

    const due = run(
      status('Running'),
      observation({ runner: runningRunner(), token: refreshedAt(T0 - 45 * 60_000) }),
    );
    expect(due.commands).toEqual([{ type: 'refreshRunnerToken' }]);
    expect(due.wakeAtMs).toBe(T0 + 45 * 60_000);

    const creating = run(
      status('Creating'),
      observation({ runner: { job: job(), pod: null }, token: refreshedAt(T0 - 50 * 60_000) }),
    );
    expect(creating.commands).toEqual([{ type: 'refreshRunnerToken' }]);
  });

  it('re-provisions a deleted token Secret', () => {
    const r = run(
      status('Running'),
      observation({ runner: runningRunner(), token: { secretPresent: false } }),
    );
    expect(r.commands).toEqual([{ type: 'ensureRunnerToken' }]);
  });

  it('a restarted session gets a fresh token before its runner, not yesterday’s', () => {
    const r = run(
      status('Stopped'),
      observation({ annotations: { desiredPhase: 'Running' }, token: refreshedAt(T0 - 86_400_000) }),
    );
    const order = types(r.commands);
    expect(order.indexOf('refreshRunnerToken')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('refreshRunnerToken')).toBeLessThan(order.indexOf('createRunnerJob'));
  });
});

describe('bad input', () => {
  const tooLong = observation({
    validation: {
      ok: false,
      issues: [
        {
          reason: 'NameTooLong',
          field: 'metadata.name',
          message: 'Service name session-… is 70 characters (max 63)',
        },
      ],
    },
  });

  it('fails validation → Failed with clear conditions, nothing created', () => {
    const r = run(undefined, tooLong);
    expect(r.transitions.map((t) => t.to)).toEqual(['Pending', 'Failed']);
    expect(r.transitions[1]?.reason).toBe('NameTooLong');
    expect(types(r.commands)).toEqual(['deleteService', 'deleteCopiedSecrets']);
    expect(r.status.completionTime).toBe(ts(T0));
    const message = 'metadata.name: Service name session-… is 70 characters (max 63)';
    expect(findCondition(r.status.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'NameTooLong',
      message,
    });
    expect(findCondition(r.status.conditions, 'Reconciled')).toMatchObject({
      status: 'False',
      reason: 'NameTooLong',
    });
  });

  it('a start request on an invalid session fails once and consumes the request (no retry storm)', () => {
    const failed = run(undefined, tooLong).status;
    const startObs = { ...tooLong, nowMs: T0 + 1_000, annotations: { desiredPhase: 'Running' } };
    const again = run(failed, startObs);
    expect(again.transitions.map((t) => `${t.from}->${t.to}`)).toEqual([
      'Failed->Pending',
      'Pending->Failed',
    ]);
    expect(again.commands).toContainEqual({
      type: 'clearAnnotations',
      keys: [SESSION_ANNOTATIONS.desiredPhase],
    });
    const settled = run(again.status, { ...tooLong, nowMs: T0 + 2_000 });
    expect(settled.transitions).toEqual([]);
    expect(settled.statusPatch).toEqual({});
  });

  it('a first start that waited for its secret is still not a resume (upstream weakness §10.16)', () => {
    const waited = run(
      undefined,
      observation({ runnerSecret: { name: 'ambient-runner-secrets', present: false } }),
    ).status;
    const created = run(waited, observation({ nowMs: T0 + 5_000 }));
    expect(created.commands).toContainEqual({
      type: 'createRunnerJob',
      isResume: false,
      runStartTime: ts(T0),
    });
  });
});

describe('status bookkeeping', () => {
  it('phaseHistory keeps the last 20 phase changes, newest last', () => {
    let current: SessionStatus | undefined;
    let nowMs = T0;
    for (let cycle = 0; cycle < 8; cycle++) {
      current = run(
        current,
        observation({ nowMs, annotations: cycle === 0 ? {} : { desiredPhase: 'Running' } }),
      ).status;
      nowMs += 1_000;
      current = run(current, observation({ nowMs, annotations: { desiredPhase: 'Stopped' } })).status;
      nowMs += 1_000;
    }
    expect(current?.phaseHistory).toHaveLength(PHASE_HISTORY_LIMIT);
    expect(current?.phaseHistory?.at(-1)).toMatchObject({
      from: 'Creating',
      to: 'Stopped',
      at: ts(nowMs - 1_000),
    });
    expect(current?.phaseTransitionTime).toBe(ts(nowMs - 1_000));
  });

  it('a status the backend wrote before us (no phase) starts as a new session and keeps lastActivityTime', () => {
    const r = run({ lastActivityTime: ts(T0 - 5_000) }, observation());
    expect(r.transitions[0]).toEqual({ from: 'None', to: 'Pending', reason: 'SessionCreated' });
    expect(r.status.lastActivityTime).toBe(ts(T0 - 5_000));
    expect(r.statusPatch.lastActivityTime).toBeUndefined();
  });
});
