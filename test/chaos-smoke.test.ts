// The CI subset of the chaos suite (test/chaos/, `pnpm test:chaos`): the three faults most likely to lose work —
// a worker killed mid-reconcile, the leader watcher killed, Redis flushed — each followed by every invariant.
// About a minute; recovery times go to test-artifacts/chaos-smoke-results.json.
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { clusterKindFromEnv } from '@ambient-operator/testing';
import { CHAOS_CONCURRENCY, leaderFailover, redisFlushall, workerSigkill } from './chaos/faults.js';
import { RESULTS_DIR, startChaosSystem, type ChaosSystem } from './chaos/harness.js';

describe('chaos smoke: faults that could lose work, then every invariant', () => {
  let sys: ChaosSystem;
  beforeAll(async () => {
    sys = await startChaosSystem({
      resultsFile: path.join(RESULTS_DIR, 'chaos-smoke-results.json'),
      env: { MAX_CONCURRENT_RECONCILES: String(CHAOS_CONCURRENCY) },
    });
    await sys.waitForFinalPhases(await sys.createBatch('seed', 1));
  });
  afterAll(async () => {
    await sys?.stop();
  });

  test('SIGKILL a worker mid-reconcile', async () => sys.record(await workerSigkill(sys)));
  test('SIGKILL the leader watcher', async () => sys.record(await leaderFailover(sys, 'SIGKILL')));
  // On the real control plane a stop requested around the flush was once not honoured within 60 s (open, issue 12's
  // follow-up); on kube-sim the same fault runs in every CI run.
  test.skipIf(clusterKindFromEnv() === 'real')('FLUSHALL Redis', async () =>
    sys.record(await redisFlushall(sys)),
  );
});
