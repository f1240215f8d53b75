// The CI case of Redis high availability (the 200-session bursts on Sentinel and Cluster are in test/chaos/,
// `pnpm test:chaos`): the whole system on a Sentinel-managed Redis (one master, two replicas, three Sentinels as
// real processes), the master SIGKILLed during a small burst; every session reaches its final phase, nothing stays
// queued, no transition is counted twice, and no process needed a restart to follow the promotion.
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { startRedisSentinelSet, type RedisTopology } from '@ambient-operator/testing';
import { CHAOS_CONCURRENCY, redisMasterKill } from './chaos/faults.js';
import { RESULTS_DIR, startChaosSystem, type ChaosSystem } from './chaos/harness.js';

describe('Redis Sentinel: the master killed during a burst', () => {
  let topology: RedisTopology;
  let sys: ChaosSystem;
  beforeAll(async () => {
    topology = await startRedisSentinelSet();
    sys = await startChaosSystem({
      resultsFile: path.join(RESULTS_DIR, 'redis-sentinel-results.json'),
      env: { MAX_CONCURRENT_RECONCILES: String(CHAOS_CONCURRENCY) },
      redisEnv: topology.env,
    });
  });
  afterAll(async () => {
    await sys?.stop();
    await topology?.stop();
  });

  test('SIGKILL the master mid-burst: every session final, every invariant kept', async () =>
    sys.record(await redisMasterKill(sys, topology, { tag: 'sentinel', perKind: 5, mode: 'Sentinel' })));
});
