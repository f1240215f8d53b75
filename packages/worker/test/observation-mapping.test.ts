import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { describe, expect, it } from 'vitest';
import { observeRunner } from '../src/observation-mapping.js';

const job = (deleting = false): Wire<V1Job> => ({
  metadata: {
    name: 's-runner',
    uid: 'job-uid',
    ...(deleting ? { deletionTimestamp: new Date().toISOString() } : {}),
  },
  status: {},
});

/** A runner pod deleted by someone, after its node killed the runner (or after the runner exited). */
const deletedPod = (exitCode: number, evicted = false): Wire<V1Pod> => ({
  metadata: {
    name: 's-runner-abc',
    deletionTimestamp: new Date().toISOString(),
    deletionGracePeriodSeconds: 30,
  },
  status: {
    phase: 'Failed',
    ...(evicted
      ? { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI' }] }
      : {}),
    containerStatuses: [
      {
        name: 'ambient-code-runner',
        image: 'runner',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode, reason: 'Error' } },
      },
    ],
  },
});

// The machine reads a missing pod of a running session as a vanished runner (re-created, contract row 19).
describe('a runner pod deleted by someone else', () => {
  it('is missing to the machine once its node killed it (exit 143 or 137), not a runner that failed', () => {
    for (const code of [143, 137]) expect(observeRunner(job(), deletedPod(code)).pod).toBeNull();
  });

  it("keeps the runner's own exit, an eviction, and the pod of a Job being deleted (a stop)", () => {
    expect(observeRunner(job(), deletedPod(1)).pod?.runner).toMatchObject({
      state: 'terminated',
      exitCode: 1,
    });
    expect(observeRunner(job(), deletedPod(143, true)).pod?.eviction).toBeDefined();
    expect(observeRunner(job(true), deletedPod(143)).pod?.runner).toMatchObject({ exitCode: 143 });
  });
});
