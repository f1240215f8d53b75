// When to enqueue every key again: on start and on becoming leader (once the watches are synced), after Redis lost
// its data or an enqueue failed, and periodically at low priority (the safety net for anything else).
import { setTimeout as sleep } from 'node:timers/promises';

export type ResyncReason = 'start' | 'leader' | 'redis_data_lost' | 'enqueue_failed' | 'periodic';

export interface ResyncLoopOptions {
  /** Full resync interval, in milliseconds. @defaultValue 600000 (10 min) */
  intervalMs?: number;
  /** How often Redis is checked for lost data (a sentinel key), in milliseconds. @defaultValue 2000 */
  redisCheckIntervalMs?: number;
  /** Whether resyncs may run now (leader and every watch synced). */
  active: () => boolean;
  redisDataLost: () => Promise<boolean>;
  resync: (reason: ResyncReason) => Promise<void>;
  onError?: (err: unknown) => void;
}

export interface ResyncLoop {
  /** Asks for a resync at the next check (used when an enqueue failed or leadership/sync changed). */
  request(reason: ResyncReason): void;
  stop(): Promise<void>;
}

export function startResyncLoop(options: ResyncLoopOptions): ResyncLoop {
  const intervalMs = options.intervalMs ?? 600_000;
  const checkMs = options.redisCheckIntervalMs ?? 2000;
  const stopping = new AbortController();
  let pending: ResyncReason | undefined;
  let lastFull = Date.now();
  let wake: (() => void) | undefined;

  async function tick(): Promise<void> {
    if (!options.active()) return;
    // Checked even when a resync is already pending, so the sentinel is re-created right away.
    const lost = await options.redisDataLost();
    const reason: ResyncReason | undefined = lost
      ? 'redis_data_lost'
      : (pending ?? (Date.now() - lastFull >= intervalMs ? 'periodic' : undefined));
    if (!reason) return;
    pending = undefined;
    lastFull = Date.now();
    try {
      await options.resync(reason);
    } catch (err) {
      pending = reason; // retry at the next tick
      throw err;
    }
  }

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        await tick();
      } catch (err) {
        options.onError?.(err);
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        sleep(checkMs, undefined, { signal: stopping.signal }).then(resolve, resolve);
      });
      wake = undefined;
    }
  }

  const running = run();
  return {
    request(reason) {
      // start/leader outrank a periodic pass; any request is served at the next tick (woken now).
      pending = pending === 'start' || pending === 'leader' ? pending : reason;
      wake?.();
    },
    async stop() {
      stopping.abort();
      wake?.();
      await running;
    },
  };
}
