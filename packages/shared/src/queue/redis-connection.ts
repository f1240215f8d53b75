// The one Redis connection factory of the operator: a single server, a Sentinel-managed master or a Redis Cluster,
// as configured by shared's config (REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES). Watcher, workers, dashboard
// and the queue open every client here, so they follow a failover the same way.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { z } from 'zod';

/** A `host:port` of a Sentinel or of a Cluster node. */
export interface RedisNodeAddress {
  host: string;
  port: number;
}

/**
 * Where the queue's Redis is. `url` always carries the credentials (ACL user, password), TLS (`rediss://`) and, for a
 * single server or a Sentinel master, the database; its host is only used in `standalone` mode.
 */
export type RedisTarget =
  | { mode: 'standalone'; url: string }
  | {
      mode: 'sentinel';
      url: string;
      sentinels: readonly RedisNodeAddress[];
      /** The master group name the Sentinels monitor (`REDIS_SENTINEL_NAME`). */
      masterName: string;
      /** `REDIS_SENTINEL_PASSWORD`, when the Sentinels require one. */
      sentinelPassword: string | undefined;
    }
  | { mode: 'cluster'; url: string; nodes: readonly RedisNodeAddress[] };

/** A client of either kind; every command we use exists on both. */
export type RedisClient = Redis | Cluster;

/** A Redis URL, a target from the config, or a caller-owned client (then the caller closes it). */
export type RedisConnection = string | RedisTarget | RedisClient;

/** The default Redis URL when none is configured. */
export const defaultRedisUrl = 'redis://127.0.0.1:6379';

const redisUrlSchema = z
  .string()
  .url()
  .refine((u) => /^rediss?:\/\//.test(u), { message: 'must start with redis:// or rediss://' });

export interface OpenRedisOptions {
  /** CLIENT SETNAME, to tell our connections apart in CLIENT LIST. */
  connectionName: string;
  /**
   * Commands fail after two reconnect attempts instead of waiting for Redis (dashboard pages). BullMQ workers need
   * the default: blocking commands must wait out a reconnect or a failover.
   * @defaultValue false
   */
  failFast?: boolean;
}

/**
 * Reconnect quickly: a failover (Sentinel promotion, Cluster replica takeover) is over in seconds, and every second
 * spent in back-off is a second without reconciles. Capped so a long outage costs one attempt per second.
 */
const reconnectDelayMs = (attempt: number) => Math.min(50 * attempt, 1000);

/** A client for BullMQ and our own commands, or the caller's; `owned` tells whether {@link closeRedis} closes it. */
export function openRedis(
  connection: RedisConnection,
  options: OpenRedisOptions,
): { client: RedisClient; owned: boolean } {
  if (connection instanceof Redis || connection instanceof Cluster)
    return { client: connection, owned: false };
  const target: RedisTarget =
    typeof connection === 'string' ? { mode: 'standalone', url: connection } : connection;
  const client = createClient(target, options);
  // Connection errors surface as rejected commands and reconnects; an unhandled 'error' event would crash the process.
  client.on('error', () => undefined);
  return { client, owned: true };
}

/**
 * Issues the commands of `issue` on `client` in one socket write (the socket corked while they are issued). A write
 * costs more CPU than the rest of a no-op reconcile (~20–40 µs in the no-op pipeline's profile, where it was a third of
 * the process's CPU). The commands are written when `issue` returns, not held for the rest of the event loop's turn:
 * holding them caught BullMQ's own writes of that turn too — the job's completion and the next job's take — and the
 * runs then went to Redis and back in lockstep, Redis idle while this process worked and the other way round (no-op
 * pipeline: 0.37 vs 0.5 of raw BullMQ's rate at less CPU per run). Auto-pipelining also shares a turn's writes, with
 * an ioredis Pipeline per batch and a wrapper promise per command. A Cluster client (a connection per node) writes
 * as it would anyway.
 */
export function inOneWrite(client: RedisClient, issue: () => void): void {
  // Before the connection is ready commands wait in ioredis's offline queue, not on the socket.
  const stream = client instanceof Redis && client.status === 'ready' ? client.stream : undefined;
  stream?.cork();
  try {
    issue();
  } finally {
    stream?.uncork();
  }
}

function parseUrl(url: string): URL {
  const parsed = redisUrlSchema.safeParse(url);
  if (!parsed.success) {
    throw new Error(
      `invalid Redis URL ${JSON.stringify(url)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  return new URL(parsed.data);
}

/** ACL user, password and TLS from a URL (the parts every mode shares). */
function credentialsOf(url: URL): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  return {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    // The server name checked is each node's own host (Node's default), not REDIS_URL's.
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

const databaseOf = (url: URL): number => Number(url.pathname.replace(/^\//, '') || '0');

function createClient(target: RedisTarget, options: OpenRedisOptions): RedisClient {
  const url = parseUrl(target.url);
  const common: RedisOptions = {
    connectionName: options.connectionName,
    maxRetriesPerRequest: options.failFast ? 2 : null,
  };
  switch (target.mode) {
    case 'standalone':
      return new Redis(target.url, { ...common, retryStrategy: reconnectDelayMs });
    case 'sentinel': {
      const { tls, ...credentials } = credentialsOf(url);
      return new Redis({
        ...common,
        ...credentials,
        db: databaseOf(url),
        sentinels: target.sentinels.map((s) => ({ host: s.host, port: s.port })),
        name: target.masterName,
        ...(target.sentinelPassword !== undefined ? { sentinelPassword: target.sentinelPassword } : {}),
        // rediss:// means TLS to the master and to the Sentinels (managed services serve both over TLS).
        ...(tls ? { tls, enableTLSForSentinelMode: true } : {}),
        retryStrategy: reconnectDelayMs,
        sentinelRetryStrategy: reconnectDelayMs,
        // Subscribes to +switch-master on the Sentinels: a promotion is followed at once, not at the next error.
        failoverDetector: true,
        // A demoted master answers writes with READONLY: reconnect through the Sentinels to the new one.
        reconnectOnError: (err) => (/^READONLY/.test(err.message) ? 2 : false),
      });
    }
    case 'cluster': {
      const clusterOptions: ClusterOptions = {
        redisOptions: { ...common, ...credentialsOf(url) },
        clusterRetryStrategy: reconnectDelayMs,
        // While a replica takes over a dead master's slots, commands wait and retry instead of failing.
        retryDelayOnClusterDown: 200,
        retryDelayOnFailover: 200,
        retryDelayOnTryAgain: 200,
        maxRedirections: 64,
      };
      return new Cluster(
        target.nodes.map((n) => ({ host: n.host, port: n.port })),
        clusterOptions,
      );
    }
  }
}

/** Closes a client opened by {@link openRedis} (not a caller-owned one). */
export async function closeRedis(handle: { client: RedisClient; owned: boolean }): Promise<void> {
  if (!handle.owned) return;
  try {
    await handle.client.quit();
  } catch {
    handle.client.disconnect();
  }
}

/** Resolves when Redis answers a PING within `timeoutMs`, rejects otherwise (readiness probes). */
export async function pingRedis(client: RedisClient, timeoutMs = 1000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer PING within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([client.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
