import { describe, expect, test } from 'vitest';
import {
  InvalidKeyError,
  classifyError,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isLabelValue,
  isQualifiedName,
  parseKey,
  runnerJobName,
  runnerRoleBindingName,
  runnerRoleName,
  runnerServiceAccountName,
  runnerTokenSecretName,
  serviceName,
  toKey,
  validateSessionName,
} from '@ambient-operator/shared';

describe('name validators', () => {
  test('DNS-1123 label', () => {
    expect(isDns1123Label('a')).toBe(true);
    expect(isDns1123Label('session-1')).toBe(true);
    expect(isDns1123Label('a'.repeat(63))).toBe(true);
    expect(isDns1123Label('a'.repeat(64))).toBe(false);
    for (const bad of ['', '-a', 'a-', 'A', 'a.b', 'a_b']) expect(isDns1123Label(bad)).toBe(false);
  });

  test('DNS-1123 subdomain', () => {
    expect(isDns1123Subdomain('a.b-c.d')).toBe(true);
    expect(
      isDns1123Subdomain(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`),
    ).toBe(true);
    expect(isDns1123Subdomain('a'.repeat(254))).toBe(false);
    for (const bad of ['', 'a..b', '.a', 'a.', 'UPPER', 'a/b']) expect(isDns1123Subdomain(bad)).toBe(false);
  });

  test('DNS-1035 label must start with a letter', () => {
    expect(isDns1035Label('session-1')).toBe(true);
    expect(isDns1035Label('1session')).toBe(false);
    expect(isDns1035Label('a.b')).toBe(false);
  });

  test('label values and qualified names', () => {
    expect(isLabelValue('')).toBe(true);
    expect(isLabelValue('Ready_1.x')).toBe(true);
    expect(isLabelValue('a'.repeat(64))).toBe(false);
    expect(isLabelValue('-a')).toBe(false);
    expect(isQualifiedName('ambient-code.io/desired-phase')).toBe(true);
    expect(isQualifiedName('app')).toBe(true);
    expect(isQualifiedName('Bad_Prefix/x')).toBe(false);
    expect(isQualifiedName('a/b/c')).toBe(false);
    expect(isQualifiedName('bad key')).toBe(false);
  });
});

describe('derived names', () => {
  test('follow the upstream contract', () => {
    expect(runnerJobName('s1')).toBe('s1-runner');
    expect(serviceName('s1')).toBe('session-s1');
    expect(runnerServiceAccountName('s1')).toBe('ambient-session-s1');
    expect(runnerRoleName('s1')).toBe('ambient-session-s1-role');
    expect(runnerRoleBindingName('s1')).toBe('ambient-session-s1-rb');
    expect(runnerTokenSecretName('s1')).toBe('ambient-runner-token-s1');
  });

  test('a typical backend-generated name (session-<uuid>) is fine', () => {
    expect(validateSessionName('session-3f2504e0-4f89-41d3-9a0c-0305e82c3301')).toEqual([]);
  });

  test('the longest name whose Service still fits is 55 characters', () => {
    expect(validateSessionName('a'.repeat(55))).toEqual([]);
    const problems = validateSessionName('a'.repeat(56));
    expect(problems.map((p) => p.kind)).toEqual(['Service']);
    expect(problems[0]!.message).toBe(
      `Service name "session-${'a'.repeat(56)}" (64 characters) must be a DNS-1035 label (≤ 63 characters, no dots)`,
    );
  });

  test('past 56 characters the runner Job (job-name label) breaks too, past 63 the session label', () => {
    expect(validateSessionName('a'.repeat(57)).map((p) => p.kind)).toEqual(['Job', 'Service']);
    expect(validateSessionName('a'.repeat(64)).map((p) => p.kind)).toEqual([
      'AgenticSession',
      'Job',
      'Service',
    ]);
  });

  test('dots are valid in a session name but not in its Service name', () => {
    expect(validateSessionName('my.session').map((p) => p.kind)).toEqual(['Service']);
  });

  test('an invalid name is reported for every kind', () => {
    expect(validateSessionName('Bad_Name').map((p) => p.kind)).toEqual([
      'AgenticSession',
      'Job',
      'Service',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'Secret',
    ]);
  });
});

describe('session keys', () => {
  test('round-trip', () => {
    expect(toKey('demo', 'session-1')).toBe('demo/session-1');
    expect(parseKey('demo/session-1')).toEqual({ namespace: 'demo', name: 'session-1' });
    expect(parseKey(toKey('ns', 'a.b'))).toEqual({ namespace: 'ns', name: 'a.b' });
  });

  test.each(['demo', 'demo/', '/name', 'a/b/c', 'Demo/x', 'demo/X', 'de.mo/x', ''])('rejects %j', (key) => {
    expect(() => parseKey(key)).toThrow(InvalidKeyError);
  });

  test('toKey validates both parts; the error is terminal', () => {
    let caught: unknown;
    try {
      toKey('demo', 'Bad');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidKeyError);
    expect((caught as Error).message).toBe(
      'invalid session key "demo/Bad": name "Bad" is not a DNS-1123 subdomain',
    );
    expect(classifyError(caught)).toMatchObject({ kind: 'terminal', code: 'INVALID_KEY' });
  });
});
