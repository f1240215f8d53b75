import { describe, expect, it } from 'vitest';
import { decideLocal, exitPhase, freePort, runnerEnvironment } from '@ambient-operator/worker';

describe('MODE=local phase decisions', () => {
  const base = { exists: true, running: false, freeSlots: 1 };

  it('starts a Pending (or phase-less) session when a slot is free, else holds it waiting', () => {
    expect(decideLocal({ ...base, apiPhase: 'Pending' })).toEqual({ kind: 'start' });
    expect(decideLocal({ ...base, apiPhase: undefined })).toEqual({ kind: 'start' });
    expect(decideLocal({ ...base, apiPhase: 'Pending', freeSlots: 0 })).toEqual({ kind: 'wait' });
  });

  it('stops a running runner when the API says Stopping or the session is gone; leaves it alone otherwise', () => {
    expect(decideLocal({ ...base, running: true, apiPhase: 'Stopping' })).toEqual({ kind: 'stop' });
    expect(decideLocal({ ...base, running: true, exists: false, apiPhase: undefined })).toEqual({
      kind: 'stop',
    });
    expect(decideLocal({ ...base, running: true, apiPhase: 'Running' })).toEqual({ kind: 'none' });
    expect(decideLocal({ ...base, running: true, apiPhase: 'Pending', freeSlots: 0 })).toEqual({
      kind: 'none',
    });
  });

  it('reports Stopped for a stop with no runner, Failed for a Running session no runner holds, nothing for finished ones', () => {
    expect(decideLocal({ ...base, apiPhase: 'Stopping' })).toEqual({ kind: 'stopped' });
    expect(decideLocal({ ...base, apiPhase: 'Running' })).toEqual({ kind: 'lost' });
    expect(decideLocal({ ...base, apiPhase: 'Creating' })).toEqual({ kind: 'lost' });
    for (const phase of ['Completed', 'Failed', 'Stopped'])
      expect(decideLocal({ ...base, apiPhase: phase })).toEqual({ kind: 'none' });
    expect(decideLocal({ ...base, exists: false, apiPhase: undefined })).toEqual({ kind: 'none' });
  });

  it('maps an exit to Completed (0), Failed (non-zero or a signal) and Stopped (a requested stop, whatever the code)', () => {
    expect(exitPhase(0, false)).toBe('Completed');
    expect(exitPhase(3, false)).toBe('Failed');
    expect(exitPhase(null, false)).toBe('Failed');
    expect(exitPhase(null, true)).toBe('Stopped');
    expect(exitPhase(0, true)).toBe('Stopped');
  });

  it('hands out the first free port of the range and none when all are taken', () => {
    const range = { first: 9100, last: 9102 };
    expect(freePort(range, new Set())).toBe(9100);
    expect(freePort(range, new Set([9100, 9101]))).toBe(9102);
    expect(freePort(range, new Set([9100, 9101, 9102]))).toBeUndefined();
  });

  it("gives the runner only the documented variables plus PATH and HOME, nothing else of the operator's", () => {
    const env = runnerEnvironment({
      sessionId: 'S1',
      prompt: 'go',
      port: 9100,
      workspace: '/w/S1',
      apiUrl: 'http://api',
      apiToken: 'tok',
      operatorEnv: { PATH: '/bin', HOME: '/home/op', KUBECONFIG: '/secret', REDIS_URL: 'redis://x' },
    });
    expect(env).toEqual({
      SESSION_ID: 'S1',
      INITIAL_PROMPT: 'go',
      PORT: '9100',
      WORKSPACE_PATH: '/w/S1',
      AMBIENT_API_SERVER_URL: 'http://api',
      AMBIENT_API_TOKEN: 'tok',
      PATH: '/bin',
      HOME: '/home/op',
    });
  });
});
