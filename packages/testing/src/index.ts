// Test and benchmark helpers: a real little cluster (kube-sim + Redis + watcher + workers) in one process.
export { CRDS_DIR, GROUP, REDIS_URL, condition, eventually, startTestCluster } from './test-cluster.js';
export type { SessionObject, TestCluster, TestClusterOptions } from './test-cluster.js';
export { startRedisCluster, startRedisSentinelSet } from './redis-topology.js';
export type { ClusterOptions, RedisTopology, SentinelSetOptions } from './redis-topology.js';
