import type { Logger } from 'pino';
import { ApiError } from './errors.js';

/**
 * The kubelet's pending steps, per pod uid, so that a pod's steps can be cancelled together (on
 * deletion or eviction) and all of them on stop. A step that fails because its pod changed or went
 * away (404, 409) is dropped quietly; any other failure is logged.
 */
export class PodTimers {
  private readonly timers = new Map<string, Set<NodeJS.Timeout>>();

  constructor(private readonly logger: Logger) {}

  after(uid: string, delayMs: number, action: () => void): void {
    let set = this.timers.get(uid);
    if (!set) this.timers.set(uid, (set = new Set()));
    const timer = setTimeout(() => {
      set.delete(timer);
      try {
        action();
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409)))
          this.logger.warn({ err }, 'kubelet step failed');
      }
    }, delayMs);
    timer.unref();
    set.add(timer);
  }

  cancel(uid: string): void {
    for (const t of this.timers.get(uid) ?? []) clearTimeout(t);
    this.timers.delete(uid);
  }

  cancelAll(): void {
    for (const set of this.timers.values()) for (const t of set) clearTimeout(t);
    this.timers.clear();
  }
}
