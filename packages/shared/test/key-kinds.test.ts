import { describe, expect, it } from 'vitest';
import {
  KEY_KINDS,
  WATCHED_KINDS,
  classifyError,
  formatKey,
  parseQueueKey,
  watchedKindsOfKeyKinds,
} from '@ambient-operator/shared';

describe('the key-kind table', () => {
  it('formats and parses every kind: sessions bare, other kinds behind their name', () => {
    expect(formatKey({ kind: 'session', namespace: 'team-a', name: 's1' })).toBe('team-a/s1');
    expect(formatKey({ kind: 'ps', namespace: 'team-a' })).toBe('ps:team-a');
    expect(parseQueueKey('team-a/s1')).toEqual({ kind: 'session', namespace: 'team-a', name: 's1' });
    expect(parseQueueKey('ps:team-a')).toEqual({ kind: 'ps', namespace: 'team-a' });
  });

  it('rejects unknown kinds, wrong shapes and invalid names as terminal', () => {
    for (const key of ['nope:team-a', 'ps:team-a/x', 'team-a', 'Team_A/s1', 'ps:', 'a/b/c']) {
      expect(() => parseQueueKey(key), key).toThrow(/invalid/);
      try {
        parseQueueKey(key);
      } catch (err) {
        expect(classifyError(err).kind).toBe('terminal');
      }
    }
  });

  it('watches exactly the resources some kind is triggered by', () => {
    const named = new Set(Object.values(KEY_KINDS).flatMap((k) => k.triggers.map((t) => t.on)));
    expect(watchedKindsOfKeyKinds()).toEqual(WATCHED_KINDS.filter((k) => named.has(k)));
  });
});
