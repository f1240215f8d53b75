// A test's Redis clean-up, one for every package's tests (shared exports it as `@ambient-operator/shared/test-redis`):
// each test file works under a key prefix of its own and deletes only that.
import type { Redis } from 'ioredis';

/**
 * The keys matching `pattern`. A SCAN step looks at COUNT keys of the whole keyspace, whatever it matches: 10,000 a
 * step keep a shared Redis holding millions of other keys (a developer's machine) from costing each test's clean-up
 * thousands of round trips.
 */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 10_000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** Deletes every key under `prefix:` (the test's own keys only). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  const keys = await scanKeys(redis, `${prefix}:*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
}
