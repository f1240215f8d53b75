import type { SessionCondition } from '@ambient-operator/machines';
import { setCondition } from '@ambient-operator/machines';
import { describe, expect, it } from 'vitest';
import { T0, ts } from './builders.js';

describe('setCondition', () => {
  it('appends a new type with lastTransitionTime = now', () => {
    const result = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'Creating' }, T0);
    expect(result).toEqual([
      { type: 'Ready', status: 'False', reason: 'Creating', lastTransitionTime: ts(T0) },
    ]);
  });

  it('keeps lastTransitionTime while the status stays, and replaces reason and message', () => {
    const before: SessionCondition[] = [
      {
        type: 'Ready',
        status: 'False',
        reason: 'Creating',
        message: 'old',
        lastTransitionTime: ts(T0 - 60_000),
      },
    ];
    const result = setCondition(before, { type: 'Ready', status: 'False', reason: 'Stopping' }, T0);
    expect(result).toEqual([
      { type: 'Ready', status: 'False', reason: 'Stopping', lastTransitionTime: ts(T0 - 60_000) },
    ]);
  });

  it('moves lastTransitionTime when the status changes', () => {
    const before: SessionCondition[] = [
      { type: 'Ready', status: 'False', reason: 'Creating', lastTransitionTime: ts(T0 - 60_000) },
    ];
    const [ready] = setCondition(before, { type: 'Ready', status: 'True', reason: 'Running' }, T0);
    expect(ready).toMatchObject({ status: 'True', reason: 'Running', lastTransitionTime: ts(T0) });
  });

  it('returns the same array when nothing changes, and never mutates its input', () => {
    const before: SessionCondition[] = [
      {
        type: 'SecretsReady',
        status: 'True',
        reason: 'AllRequiredSecretsFound',
        lastTransitionTime: ts(T0 - 1_000),
      },
      { type: 'Ready', status: 'True', reason: 'Running', lastTransitionTime: ts(T0 - 1_000) },
    ];
    const snapshot = structuredClone(before);
    expect(setCondition(before, { type: 'Ready', status: 'True', reason: 'Running' }, T0)).toBe(before);
    const changed = setCondition(before, { type: 'Ready', status: 'False', reason: 'Stopping' }, T0);
    expect(changed).not.toBe(before);
    expect(before).toEqual(snapshot);
    // Order is kept: the updated entry stays where it was.
    expect(changed.map((c) => c.type)).toEqual(['SecretsReady', 'Ready']);
  });

  it('matches types case-insensitively and leaves one entry per type', () => {
    const before: SessionCondition[] = [
      { type: 'ready', status: 'True', reason: 'Running', lastTransitionTime: ts(T0 - 5_000) },
      { type: 'PodCreated', status: 'True', reason: 'PodCreated' },
      { type: 'READY', status: 'Unknown', reason: 'Legacy' },
    ];
    const result = setCondition(before, { type: 'Ready', status: 'True', reason: 'Running' }, T0);
    expect(result.map((c) => c.type)).toEqual(['Ready', 'PodCreated']);
    expect(result[0]?.lastTransitionTime).toBe(ts(T0 - 5_000));
  });

  it('records observedGeneration when given', () => {
    const [c] = setCondition(
      [],
      { type: 'Reconciled', status: 'True', reason: 'SpecApplied', observedGeneration: 4 },
      T0,
    );
    expect(c?.observedGeneration).toBe(4);
  });
});
