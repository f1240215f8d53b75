// Shared between the queue tests and their worker fixture process.
import { z } from 'zod';

export const workerConfigSchema = z.object({
  redisUrl: z.string(),
  prefix: z.string(),
  name: z.string().default('sessions'),
  concurrency: z.number().int().positive().default(4),
  lockDurationMs: z.number().int().positive().default(5000),
  stalledIntervalMs: z.number().int().positive().default(2000),
  rateLimit: z
    .object({ max: z.number().int().positive(), durationMs: z.number().int().positive() })
    .nullable()
    .default(null),
  backoff: z
    .object({ baseMs: z.number(), factor: z.number(), capMs: z.number(), jitter: z.number() })
    .partial()
    .default({ baseMs: 200, factor: 2, capMs: 5000, jitter: 0 }),
});
export type WorkerConfig = z.input<typeof workerConfigSchema>;

/** Per-key behaviour; counts refer to the key's run number across all processes (1-based). */
export const behaviourSchema = z.object({
  sleepMs: z.number().default(0),
  hangRuns: z.number().int().default(0),
  failRuns: z.number().int().default(0),
  failKind: z.enum(['retryable', 'conflict', 'terminal']).default('retryable'),
  requeueRuns: z.number().int().default(0),
  requeueAfterMs: z.number().default(0),
});
export type Behaviour = z.input<typeof behaviourSchema>;

export const logEntrySchema = z.object({
  type: z.enum(['start', 'end', 'event', 'scheduled']),
  key: z.string(),
  t: z.number(),
  pid: z.number().optional(),
  run: z.number().optional(),
  result: z.string().optional(),
  /** `scheduled`: the delay of the next run the worker scheduled after a run (requeue-after or retry backoff). */
  delayMs: z.number().optional(),
});
export type LogEntry = z.infer<typeof logEntrySchema>;

export function fixtureKeys(prefix: string): { log: string; runs: string; behaviour: string } {
  return {
    log: `${prefix}:fixture:log`,
    runs: `${prefix}:fixture:runs`,
    behaviour: `${prefix}:fixture:behaviour`,
  };
}
