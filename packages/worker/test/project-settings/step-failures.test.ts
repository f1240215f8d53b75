// How a reconcile with failed steps is retried: the most retry-worthy failure decides (shared's classifyError).
import { describe, expect, it } from 'vitest';
import { classifyError, ConflictError, RetryableError, TerminalError } from '@ambient-operator/shared';
import {
  ProjectSettingsStepsError,
  combineStepFailures,
  namespaceOfProjectSettingsKey,
} from '@ambient-operator/worker';

const apiError = (code: number, reason: string) => ({
  code,
  body: JSON.stringify({ kind: 'Status', code, reason, message: `${reason} from the API` }),
});

describe('combineStepFailures', () => {
  it('a 500 on one step and a forbidden on another are retried with backoff', () => {
    const err = combineStepFailures('team-a', [
      { step: 'RoleBinding team-a/devs-edit', error: apiError(403, 'Forbidden') },
      { step: 'LimitRange team-a/ambient-default-limits', error: apiError(500, 'InternalError') },
    ]);
    expect(classifyError(err)).toMatchObject({ kind: 'retryable', code: 'SERVER_ERROR' });
    expect(err.message).toContain('RoleBinding team-a/devs-edit');
    expect(err.message).toContain('LimitRange team-a/ambient-default-limits');
    expect(err).toBeInstanceOf(ProjectSettingsStepsError);
    expect(err.failures.map((f) => f.step)).toEqual([
      'RoleBinding team-a/devs-edit',
      'LimitRange team-a/ambient-default-limits',
    ]);
  });

  it('a conflict anywhere re-runs at once; only terminal failures are not retried', () => {
    expect(
      classifyError(
        combineStepFailures('n', [
          { step: 'a', error: new RetryableError('slow') },
          { step: 'status', error: apiError(409, 'Conflict') },
        ]),
      ).kind,
    ).toBe('conflict');
    expect(
      classifyError(
        combineStepFailures('n', [{ step: 'x', error: new ConflictError('raced', 'ALREADY_EXISTS') }]),
      ).kind,
    ).toBe('conflict');
    expect(
      classifyError(
        combineStepFailures('n', [
          { step: 'a', error: new TerminalError('bad group name') },
          { step: 'b', error: apiError(403, 'Forbidden') },
        ]),
      ).kind,
    ).toBe('terminal');
  });
});

describe('ps:<namespace> keys', () => {
  it('give their namespace; anything else is an invalid (terminal) key', () => {
    expect(namespaceOfProjectSettingsKey('ps:team-a')).toBe('team-a');
    for (const key of ['team-a/s1', 'ps:', 'ps:Team_A', 'ps:a/b']) {
      expect(() => namespaceOfProjectSettingsKey(key), key).toThrow(/invalid ProjectSettings key/);
      try {
        namespaceOfProjectSettingsKey(key);
      } catch (err) {
        expect(classifyError(err).kind).toBe('terminal');
      }
    }
  });
});
