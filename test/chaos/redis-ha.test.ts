// Highly available Redis under the whole system (`pnpm test:chaos`): the queue on a Sentinel-managed master (one
// master, two replicas, three Sentinels) and on a Redis Cluster (three masters with a replica each), real
// redis-server/redis-sentinel processes on loopback ports. In each, the master holding the queue is SIGKILLed during
// a burst of 200 sessions; every session must reach its final phase with every invariant of harness.ts intact.
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { startRedisCluster, startRedisSentinelSet, type RedisTopology } from '@ambient-operator/testing';
import { CHAOS_CONCURRENCY, redisMasterKill } from './faults.js';
import { RESULTS_DIR, startChaosSystem, type ChaosSystem } from './harness.js';

const BURST_PER_KIND = 50; // × 4 kinds = 200 sessions

for (const mode of ['Sentinel', 'Cluster'] as const) {
  describe(`chaos: the Redis ${mode} master killed during a burst`, () => {
    let topology: RedisTopology;
    let sys: ChaosSystem;
    beforeAll(async () => {
      topology = mode === 'Sentinel' ? await startRedisSentinelSet() : await startRedisCluster();
      sys = await startChaosSystem({
        resultsFile: path.join(RESULTS_DIR, `chaos-redis-${mode.toLowerCase()}-results.json`),
        env: { MAX_CONCURRENT_RECONCILES: String(CHAOS_CONCURRENCY) },
        redisEnv: topology.env,
      });
    });
    afterAll(async () => {
      await sys?.stop();
      await topology?.stop();
    });

    test(`SIGKILL the ${mode} master holding the queue mid-burst (200 sessions)`, async () =>
      sys.record(
        await redisMasterKill(sys, topology, {
          tag: `${mode.toLowerCase()}-burst`,
          perKind: BURST_PER_KIND,
          mode,
        }),
      ));
  });
}
