// The full chaos suite (`pnpm test:chaos`, on demand): one fault at a time against the whole system running as
// separate processes, each followed by the invariants (harness.ts). Recovery times go to
// test-artifacts/chaos-results.json with the bound each fault has (RECOVERY_TARGET_MS in faults.ts: worker kill
// ≤ 10 s, leader kill ≤ 20 s, watches closed ≤ 10 s); a recovery slower than its bound fails the test, and so does
// a watcher failover slower than 5 s.
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import {
  apiErrorBurst,
  apiLatency,
  CHAOS_CONCURRENCY,
  closeAllWatches,
  conflictStorm,
  hostileSessions,
  kubeSimRestart,
  leaderFailover,
  redisFlushall,
  redisRestart,
  stallWatches,
  workerSigkill,
} from './faults.js';
import { RESULTS_DIR, startChaosSystem, type ChaosSystem } from './harness.js';

describe('chaos: one fault at a time, then every invariant', () => {
  let sys: ChaosSystem;
  beforeAll(async () => {
    sys = await startChaosSystem({
      resultsFile: path.join(RESULTS_DIR, 'chaos-results.json'),
      assertRecoveryTargets: true,
      env: { MAX_CONCURRENT_RECONCILES: String(CHAOS_CONCURRENCY) },
    });
    // Sessions in every final phase before the first fault; each fault adds its own batch on top.
    await sys.waitForFinalPhases(await sys.createBatch('seed', 2));
  });
  afterAll(async () => {
    await sys?.stop();
  });

  test('SIGKILL a worker mid-reconcile', async () => sys.record(await workerSigkill(sys)));
  // The bound: events reach the queue and reconciles run within 5 s of the leader's SIGKILL.
  test('SIGKILL the leader watcher', async () =>
    sys.record(await leaderFailover(sys, 'SIGKILL', { assertFailoverWithinMs: 5000 })));
  test('SIGTERM the leader watcher', async () => sys.record(await leaderFailover(sys, 'SIGTERM')));
  test('restart Redis (no persistence: data lost)', async () => sys.record(await redisRestart(sys)));
  test('FLUSHALL Redis', async () => sys.record(await redisFlushall(sys)));
  test('restart kube-sim', async () => sys.record(await kubeSimRestart(sys)));
  test('close all watches', async () => sys.record(await closeAllWatches(sys)));
  test('stall watches silently', async () => sys.record(await stallWatches(sys)));
  test('API 500 burst', async () => sys.record(await apiErrorBurst(sys, 500)));
  test('API 429 burst', async () => sys.record(await apiErrorBurst(sys, 429)));
  test('+500 ms API latency', async () => sys.record(await apiLatency(sys)));
  test('409 storm from a competing writer', async () => sys.record(await conflictStorm(sys)));
  test('invalid and hostile sessions', async () => sys.record(await hostileSessions(sys)));
});
