// The CI subset of the chaos suite (test/chaos/, `pnpm test:chaos`): the three faults most likely to lose work —
// a worker killed mid-reconcile, the leader watcher killed, Redis flushed — each followed by every invariant.
// About a minute; recovery times go to test-artifacts/chaos-smoke-results.json.
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
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
  // The flush drops the queue's locks, so two workers may run one key at once: every status write must still carry
  // a precondition that holds (session-annotations.ts), or the later one overwrites the other's phaseHistory.
  test('FLUSHALL Redis', async () => sys.record(await redisFlushall(sys)));
});
