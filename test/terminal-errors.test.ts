// A reconcile that fails for good (no retry can fix it) tells the user on the session itself, not only in metrics.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  condition,
  eventually,
  requireSim,
  startTestCluster,
  type TestCluster,
} from '@ambient-operator/testing';

describe('a terminal reconcile error', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('becomes a ReconcileFailed condition and a metric; the next successful reconcile clears it', async () => {
    // The API server rejects the runner Job as invalid (422): retrying the same request cannot help. Every
    // create until the condition is seen: the Secrets and identity the failed run made are events of the session,
    // and the follow-up run they bring may come before the condition is read (under CI's load it did, and passed).
    const faults = requireSim(cluster).faults;
    faults.failNext({ status: 422, verb: 'create', resource: 'jobs', count: 1000 });
    await cluster.createSession('rejected');
    const failed = await cluster.waitForSession(
      'rejected',
      (s) => condition(s, 'ReconcileFailed')?.status === 'True',
      'the terminal error on the session',
    );
    expect(condition(failed, 'ReconcileFailed')).toMatchObject({ reason: 'Invalid' });
    expect(condition(failed, 'ReconcileFailed')?.message).toMatch(/createRunnerJob failed/);
    // Counted once the run is reported, just after the condition was written.
    await eventually(
      async () => (await cluster.worker.metrics.sessionErrors.get()).values,
      (values) => values.some((v) => v.labels['error_type'] === 'createRunnerJob' && v.value >= 1),
      'ambient_session_errors_total{error_type="createRunnerJob"}',
    );

    // Terminal: nothing retries it until something changes; a user's edit brings the next reconcile.
    faults.reset();
    await cluster.annotate('rejected', { 'example.com/retry': 'please' });
    const recovered = await cluster.waitForSession(
      'rejected',
      (s) => s.status?.phase === 'Creating' && condition(s, 'ReconcileFailed')?.status === 'False',
      'reconciled after the edit, condition cleared',
    );
    expect(condition(recovered, 'ReconcileFailed')?.reason).toBe('Reconciled');
  });
});
