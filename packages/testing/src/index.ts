// Test and benchmark helpers: a real little cluster (kube-sim + Redis + watcher + workers) in one process.
export { GROUP, REDIS_URL, condition, eventually, reconcilesRun, startTestCluster } from './test-cluster.js';
export type { SessionObject, TestCluster, TestClusterOptions } from './test-cluster.js';
export { startRedisCluster, startRedisSentinelSet } from './redis-topology.js';
export type { ClusterOptions, RedisTopology, SentinelSetOptions } from './redis-topology.js';
export {
  OPERATOR_NAMESPACE_REAL,
  WATCHER_USER,
  WORKER_USER,
  provisionOperatorIdentities,
} from './operator-identities.js';
export {
  CRDS_DIR,
  RBAC_USAGE_DIR,
  clusterKindFromEnv,
  recordOperatorAccess,
  requireSim,
  untilQuiet,
  startClusterUnderTest,
} from './cluster-under-test.js';
export type { ClusterKind, ClusterUnderTest } from './cluster-under-test.js';
