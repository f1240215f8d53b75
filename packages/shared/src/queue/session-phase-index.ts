import type { PhaseStats } from '../metrics.js';
import { phaseIndexKey, resolveIdentity, type QueueIdentity } from './queue-keys.js';
import { closeRedis, openRedis, type RedisConnection } from './redis-connection.js';

export interface SessionPhaseIndexOptions extends QueueIdentity {
  /** Redis URL or a caller-owned ioredis client (then the caller closes it). */
  connection: RedisConnection;
  /** The phases tracked (the non-terminal ones); a key recorded in any other phase is dropped. */
  phases: readonly string[];
}

/**
 * Which sessions are in which non-terminal phase since when, cluster-wide: one Redis sorted set per phase
 * (member = key, score = when it entered the phase). Workers are stateless and many, so "a session stuck in
 * Creating for 20 minutes" can only be seen from a shared place; it is written after each status write
 * (like the transition metrics) and read at scrape time. Bounded by the number of live sessions: a key leaves
 * its set when it reaches a terminal phase or is deleted.
 */
export interface SessionPhaseIndex {
  /**
   * Records `key` as being in `phase` since `sinceMs` (terminal or unknown phase, or undefined: forget it).
   * `from`: the phase the key was recorded in before, when the caller knows it (the phase it read); then only that
   * phase's set loses the key, else every other phase's set does.
   */
  record(key: string, phase: string | undefined, sinceMs: number, from?: string): Promise<void>;
  /** Count and oldest age per tracked phase at `nowMs`. */
  stats(nowMs: number): Promise<PhaseStats>;
  close(): Promise<void>;
}

export function createSessionPhaseIndex(options: SessionPhaseIndexOptions): SessionPhaseIndex {
  const { prefix, name } = resolveIdentity(options);
  const handle = openRedis(options.connection, { connectionName: 'ambient-phase-index' });
  const redis = handle.client;
  const setOf = (phase: string) => phaseIndexKey(prefix, name, phase);
  return {
    async record(key, phase, sinceMs, from) {
      const tracked = phase !== undefined && options.phases.includes(phase);
      // A key leaves the phase it was in; leaving for an untracked phase (terminal, deleted) clears every set, so
      // an entry a failed write left behind lasts at most until then. NX keeps the first entry time when a phase is
      // recorded again without a change (each status write records it: that refills the index after a flush).
      const leaving = tracked && from !== undefined ? [from] : options.phases;
      // A pipeline, not MULTI/EXEC (two commands less per status write): a scrape between its commands may count
      // the key in two phases for that one scrape, which a gauge can afford.
      const tx = redis.pipeline();
      if (tracked) tx.zadd(setOf(phase), 'NX', sinceMs, key);
      for (const p of leaving) if (p !== phase && options.phases.includes(p)) tx.zrem(setOf(p), key);
      await tx.exec();
    },
    async stats(nowMs) {
      // A pipeline for the same reason (two commands less per scrape).
      const tx = redis.pipeline();
      for (const phase of options.phases) {
        tx.zcard(setOf(phase));
        tx.zrange(setOf(phase), '0', '0', 'WITHSCORES');
      }
      const replies = (await tx.exec()) ?? [];
      const stats: PhaseStats = { count: {}, oldestAgeSeconds: {} };
      options.phases.forEach((phase, i) => {
        const count = Number(replies[2 * i]?.[1] ?? 0);
        const oldest = replies[2 * i + 1]?.[1];
        const since = Array.isArray(oldest) && oldest.length === 2 ? Number(oldest[1]) : undefined;
        stats.count[phase] = count;
        stats.oldestAgeSeconds[phase] = since === undefined ? 0 : Math.max(0, (nowMs - since) / 1000);
      });
      return stats;
    },
    close: () => closeRedis(handle),
  };
}
