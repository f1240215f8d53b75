import { Redis } from 'ioredis';
import { z } from 'zod';

/** A Redis URL (`redis://[user:pass@]host:port[/db]`) or a caller-owned ioredis client. */
export type RedisConnection = string | Redis;

const redisUrlSchema = z
  .string()
  .url()
  .refine((u) => /^rediss?:\/\//.test(u), { message: 'must start with redis:// or rediss://' });

/** The default Redis URL when none is configured. */
export const defaultRedisUrl = 'redis://127.0.0.1:6379';

/**
 * Opens a client for BullMQ and our own commands, or returns the caller's. `owned` tells whether close() is ours.
 * `maxRetriesPerRequest: null` is required by BullMQ workers (blocking commands must wait out a reconnect).
 */
export function openRedis(
  connection: RedisConnection,
  connectionName: string,
): { client: Redis; owned: boolean } {
  if (typeof connection !== 'string') return { client: connection, owned: false };
  const parsed = redisUrlSchema.safeParse(connection);
  if (!parsed.success) {
    throw new Error(
      `invalid Redis URL ${JSON.stringify(connection)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  const client = new Redis(parsed.data, { maxRetriesPerRequest: null, connectionName, lazyConnect: false });
  // Connection errors surface as rejected commands and reconnects; an unhandled 'error' event would crash the process.
  client.on('error', () => undefined);
  return { client, owned: true };
}

export async function closeRedis(handle: { client: Redis; owned: boolean }): Promise<void> {
  if (!handle.owned) return;
  try {
    await handle.client.quit();
  } catch {
    handle.client.disconnect();
  }
}
