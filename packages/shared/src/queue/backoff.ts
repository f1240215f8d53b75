/** Per-key exponential backoff after failed reconciles (controller-runtime's ItemExponentialFailureRateLimiter). */
export interface BackoffOptions {
  /**
   * Delay after the first failure, in milliseconds.
   * @defaultValue 1000
   */
  baseMs?: number;
  /**
   * Multiplier applied per further consecutive failure.
   * @defaultValue 2
   */
  factor?: number;
  /**
   * Upper bound of the delay, in milliseconds; jitter never exceeds it.
   * @defaultValue 300000 (5 min)
   */
  capMs?: number;
  /**
   * Fraction in [0, 1]: the delay is drawn uniformly from [d·(1−jitter), d], so retries of many keys that failed
   * together spread out instead of hitting the API server in one burst.
   * @defaultValue 0.1
   */
  jitter?: number;
}

export const defaultBackoff: Required<BackoffOptions> = {
  baseMs: 1000,
  factor: 2,
  capMs: 300_000,
  jitter: 0.1,
};

/**
 * Delay before retrying a key that has now failed `failures` times in a row (1 = first failure).
 * `random` is injectable so the bounds can be tested exactly.
 */
export function computeBackoffMs(
  failures: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const { baseMs, factor, capMs, jitter } = { ...defaultBackoff, ...options };
  const exponent = Math.max(0, failures - 1);
  // Compare in log space so a large failure count cannot overflow to Infinity before the cap applies.
  const uncapped =
    exponent * Math.log(factor) + Math.log(baseMs) >= Math.log(capMs) ? capMs : baseMs * factor ** exponent;
  const delay = Math.min(capMs, uncapped);
  const spread = Math.min(1, Math.max(0, jitter));
  return Math.round(delay * (1 - spread * random()));
}
