import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { Wire } from '@ambient-operator/shared';
import { describe, expect, it } from 'vitest';
import { jobOfLivePod, observeRunner } from '../src/observation-mapping.js';

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

/** A pod of the Job `s-runner` (uid `uid`), created at second `at`, of the run that started at `run`. */
const runnerPod = (
  uid: string,
  at: number,
  phase: string,
  extra: { run?: string | null; deleting?: boolean; owner?: string } = {},
): Wire<V1Pod> => ({
  metadata: {
    name: `s-runner-${uid}-${at}`,
    namespace: 'ns',
    creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, at)).toISOString(),
    ...(extra.run === null
      ? {}
      : { annotations: { 'ambient-code.io/run-start-time': extra.run ?? 'run-2' } }),
    ...(extra.deleting ? { deletionTimestamp: new Date().toISOString() } : {}),
    ownerReferences: [
      { apiVersion: 'batch/v1', kind: 'Job', name: extra.owner ?? 's-runner', uid, controller: true },
    ],
  },
  status: { phase },
});

// A wake-up of a starting or running runner lists its pods and reads the Job only where no live pod tells what the
// Job would: which Job (its uid), of which run, and that it has not ended or begun to go.
describe('the runner Job told by its live pod', () => {
  it("is the live pod's Job: its name, uid and run", () => {
    for (const phase of ['Pending', 'Running']) {
      expect(jobOfLivePod([runnerPod('job-2', 5, phase)], 's')).toEqual({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: 's-runner',
          namespace: 'ns',
          uid: 'job-2',
          annotations: { 'ambient-code.io/run-start-time': 'run-2' },
        },
      });
    }
  });

  it("is the newest pod: an earlier run's pod still going away does not hide the current one", () => {
    const pods = [
      runnerPod('job-1', 1, 'Running', { run: 'run-1', deleting: true }),
      runnerPod('job-2', 5, 'Pending'),
    ];
    expect(jobOfLivePod(pods, 's')?.metadata?.uid).toBe('job-2');
  });

  it('is not told by a pod that ended, is being deleted, lacks the run annotation or belongs elsewhere', () => {
    for (const pods of [
      [],
      [runnerPod('job-2', 5, 'Succeeded')],
      [runnerPod('job-2', 5, 'Failed')],
      [runnerPod('job-2', 5, 'Running', { deleting: true })],
      // A Job made before its pods carried the run: only the Job says which run it is.
      [runnerPod('job-2', 5, 'Running', { run: null })],
      [runnerPod('job-2', 5, 'Running', { owner: 'other-runner' })],
      // The newest pod of the Job decides: a live older one is not the Job's state.
      [runnerPod('job-2', 5, 'Running'), runnerPod('job-2', 9, 'Failed')],
    ])
      expect(jobOfLivePod(pods, 's')).toBeNull();
  });
});
