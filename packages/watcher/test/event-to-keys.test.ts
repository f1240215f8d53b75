import { describe, expect, it } from 'vitest';
import {
  isStatusOnlyChange,
  keysForEvent,
  owningSessionName,
  statusOnlyFingerprint,
  type KeyKind,
  type StatusOnlyMeta,
} from '@ambient-operator/shared';

// The watcher maps events through the key-kind table (shared's KEY_KINDS); these are its session and ps triggers.
const knownKeysIn = (kind: KeyKind, ns: string) =>
  kind === 'session' && ns === 'team-a' ? ['team-a/s1', 'team-a/s2'] : [];

describe('keysForEvent', () => {
  it('maps a session to its own key', () => {
    expect(keysForEvent('AgenticSession', { name: 's1', namespace: 'team-a' }, knownKeysIn)).toEqual([
      'team-a/s1',
    ]);
  });

  it('maps runner pods and jobs to the owning session: label, controller owner, or <name>-runner Job', () => {
    expect(
      keysForEvent(
        'Pod',
        { name: 'x-runner-abcde', namespace: 'team-a', labels: { 'agentic-session': 's1' } },
        knownKeysIn,
      ),
    ).toEqual(['team-a/s1']);
    expect(
      keysForEvent(
        'Job',
        {
          name: 's2-runner',
          namespace: 'team-a',
          ownerReferences: [{ kind: 'AgenticSession', name: 's2', controller: true }],
        },
        knownKeysIn,
      ),
    ).toEqual(['team-a/s2']);
    expect(
      owningSessionName({
        name: 'p',
        ownerReferences: [{ kind: 'Job', name: 's3-runner', controller: true }],
      }),
    ).toBe('s3');
    // Not a controller owner, no label: not ours.
    expect(
      keysForEvent(
        'Pod',
        { name: 'p', namespace: 'team-a', ownerReferences: [{ kind: 'AgenticSession', name: 's1' }] },
        knownKeysIn,
      ),
    ).toEqual([]);
  });

  it('a runner Job changing while it lives enqueues nothing (its pod does); its creation and deletion do', () => {
    const job = { name: 's1-runner', namespace: 'team-a', labels: { 'agentic-session': 's1' } };
    const modifiedAlive = (o: typeof job) =>
      keysForEvent('Job', o, knownKeysIn, 'event', false, false, true).length;
    expect(modifiedAlive(job)).toBe(0);
    expect(keysForEvent('Job', job, knownKeysIn)).toEqual(['team-a/s1']);
    // A pod's status changes still enqueue: its own are what the session judges.
    expect(
      keysForEvent('Pod', { ...job, name: 's1-runner-x' }, knownKeysIn, 'event', false, false, true),
    ).toEqual(['team-a/s1']);
  });

  it('maps ProjectSettings and managed Namespaces to the ps key plus every session of the namespace', () => {
    expect(
      keysForEvent('ProjectSettings', { name: 'projectsettings', namespace: 'team-a' }, knownKeysIn),
    ).toEqual(['ps:team-a', 'team-a/s1', 'team-a/s2']);
    expect(keysForEvent('Namespace', { name: 'team-b' }, knownKeysIn)).toEqual(['ps:team-b']);
  });

  it('on a relist, a namespace-wide object maps to its own key only (the sessions are relisted themselves)', () => {
    expect(
      keysForEvent(
        'ProjectSettings',
        { name: 'projectsettings', namespace: 'team-a' },
        knownKeysIn,
        'relist',
      ),
    ).toEqual(['ps:team-a']);
  });

  it('a status-only change of a session enqueues no session key (its API session still follows the CR)', () => {
    const session = {
      name: 's1',
      namespace: 'team-a',
      labels: { 'ambient-code.io/api-session-id': 'ksuid1' },
    };
    expect(keysForEvent('AgenticSession', session, knownKeysIn, 'event', true)).toEqual([
      'api-session:ksuid1',
    ]);
    expect(keysForEvent('AgenticSession', session, knownKeysIn, 'event', false)).toEqual([
      'api-session:ksuid1',
      'team-a/s1',
    ]);
  });

  it('the status-only fingerprint changes with generation, labels, annotations, finalizers or deletion only', () => {
    const meta = { generation: 1, labels: { a: '1' }, annotations: { x: 'y', z: 'w' } };
    const fingerprint = statusOnlyFingerprint(meta);
    expect(statusOnlyFingerprint({ ...meta, annotations: { z: 'w', x: 'y' } })).toBe(fingerprint);
    expect(isStatusOnlyChange(fingerprint, fingerprint)).toBe(true);
    expect(isStatusOnlyChange(undefined, fingerprint)).toBe(false);
    const variants: StatusOnlyMeta[] = [
      { ...meta, generation: 2 },
      { ...meta, labels: { a: '2' } },
      { ...meta, annotations: { x: 'y', z: 'w', 'ambient-code.io/desired-phase': 'Stopped' } },
      { ...meta, annotations: { x: 'y' } },
      { ...meta, finalizers: ['f'] },
      { ...meta, deletionTimestamp: '2026-01-01T00:00:00Z' },
    ];
    for (const changed of variants) {
      expect(statusOnlyFingerprint(changed)).not.toBe(fingerprint);
      expect(isStatusOnlyChange(fingerprint, statusOnlyFingerprint(changed))).toBe(false);
    }
  });

  it('the status-only fingerprint does not depend on the order of a map, however many entries it holds', () => {
    for (const size of [2, 3, 8, 9, 20]) {
      const entries = Array.from({ length: size }, (_, i) => [`k${(i * 7) % size}`, `v${i}`] as const);
      const forward = statusOnlyFingerprint({ generation: 1, annotations: Object.fromEntries(entries) });
      const backward = statusOnlyFingerprint({
        generation: 1,
        annotations: Object.fromEntries([...entries].reverse()),
      });
      expect(backward, `${size} entries`).toBe(forward);
      const [key, value] = entries[size - 1]!;
      const changed = statusOnlyFingerprint({
        generation: 1,
        annotations: { ...Object.fromEntries(entries), [key]: `${value}x` },
      });
      expect(changed, `${size} entries`).not.toBe(forward);
      // The same values under swapped keys are another map.
      const [otherKey, otherValue] = entries[0]!;
      const swapped = statusOnlyFingerprint({
        generation: 1,
        annotations: { ...Object.fromEntries(entries), [key]: otherValue, [otherKey]: value },
      });
      expect(swapped, `${size} entries`).not.toBe(forward);
    }
  });

  it('removing consumed one-shot annotations is no change; adding or changing one is', () => {
    const dp = 'ambient-code.io/desired-phase';
    const consumed = {
      [dp]: 'Stopped',
      'ambient-code.io/stop-reason': 'inactivity',
      'ambient-code.io/stop-requested-at': '2026-01-01T00:00:00Z',
      'ambient-code.io/force-execute-prompt': 'true',
    };
    const before = statusOnlyFingerprint({ generation: 1, annotations: { x: 'y', ...consumed } });
    const after = (annotations: Record<string, string> | undefined) =>
      statusOnlyFingerprint({ generation: 1, annotations });
    // The stop's echo: desired-phase cleared, the backend's stop-requested-at kept; all cleared; the map emptied.
    const { [dp]: _cleared, ...rest } = consumed;
    expect(isStatusOnlyChange(before, after({ x: 'y', ...rest }))).toBe(true);
    expect(isStatusOnlyChange(before, after({ x: 'y' }))).toBe(true);
    expect(
      isStatusOnlyChange(
        statusOnlyFingerprint({ generation: 1, annotations: { [dp]: 'Stopped' } }),
        after({}),
      ),
    ).toBe(true);
    expect(
      isStatusOnlyChange(
        statusOnlyFingerprint({ generation: 1, annotations: { [dp]: 'Stopped' } }),
        after(undefined),
      ),
    ).toBe(true);
    // A request that is new or different always enqueues.
    const stopped = after({ x: 'y' });
    expect(isStatusOnlyChange(stopped, after({ x: 'y', [dp]: 'Running' }))).toBe(false);
    expect(isStatusOnlyChange(before, after({ x: 'y', ...consumed, [dp]: 'Running' }))).toBe(false);
    expect(
      isStatusOnlyChange(
        before,
        after({ x: 'y', ...consumed, 'ambient-code.io/force-execute-prompt': 'false' }),
      ),
    ).toBe(false);
    // Removing one while another annotation changes is a change.
    expect(isStatusOnlyChange(before, after({ x: 'z', ...rest }))).toBe(false);
  });
});
