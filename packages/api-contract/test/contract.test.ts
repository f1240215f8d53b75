import { describe, expect, it } from 'vitest';
import {
  API_RESOURCE_NAMES,
  isValidProjectName,
  isoToMicros,
  isoToTimestamp,
  sameMicros,
  timestampToIso,
} from '@ambient-operator/api-contract';
import { loadAmbientServices } from '@ambient-operator/api-contract/proto';

describe('api-contract', () => {
  it('loads every service with its RPCs from the .proto files', () => {
    const services = loadAmbientServices();
    for (const resource of API_RESOURCE_NAMES) expect(services[resource].service).toBeDefined();
    expect(Object.keys(services.sessions.service)).toEqual(
      expect.arrayContaining([
        'GetSession',
        'CreateSession',
        'UpdateSessionStatus',
        'ListSessions',
        'WatchSessions',
      ]),
    );
    expect(services.sessions.service.WatchSessions!.responseStream).toBe(true);
  });

  it('compares times at µs: a ns write response equals its stored µs value', () => {
    expect(sameMicros('2026-01-02T03:04:05.123456789Z', '2026-01-02T03:04:05.123456Z')).toBe(true);
    expect(sameMicros('2026-01-02T03:04:05.123456Z', '2026-01-02T03:04:05.123457Z')).toBe(false);
    expect(sameMicros('2026-01-02T05:04:05.1+02:00', '2026-01-02T03:04:05.100000Z')).toBe(true);
    expect(sameMicros(undefined, '2026-01-02T03:04:05Z')).toBe(false);
    expect(isoToMicros('yesterday')).toBeUndefined();
    const iso = '2026-01-02T03:04:05.000007Z';
    expect(timestampToIso(isoToTimestamp(iso))).toBe(iso);
  });

  it('accepts project names of 2-63 lowercase letters, digits and dashes starting with a letter', () => {
    expect(isValidProjectName('ab')).toBe(true);
    expect(isValidProjectName('a')).toBe(false);
    expect(isValidProjectName('1ab')).toBe(false);
    expect(isValidProjectName('ab-')).toBe(false);
    expect(isValidProjectName(`a${'b'.repeat(63)}`)).toBe(false);
  });
});
