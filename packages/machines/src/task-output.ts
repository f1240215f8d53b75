import { z } from 'zod';

/**
 * A task's output is what its container leaves in its termination message (`/dev/termination-log`):
 * one JSON object whose values are strings. The kubelet keeps at most 4 KiB of it, so a longer message
 * arrives cut off; that is reported as too large rather than as bad JSON.
 */
export const TERMINATION_MESSAGE_MAX_BYTES = 4096;

export const OUTPUT_PROBLEMS = ['NoOutput', 'OutputTooLarge', 'OutputNotJSON', 'OutputNotStringMap'] as const;
export type OutputProblem = (typeof OUTPUT_PROBLEMS)[number];

export type TaskOutputResult =
  { ok: true; output: Record<string, string> } | { ok: false; reason: OutputProblem; message: string };

const outputSchema = z.record(z.string(), z.string());

/** Parses a termination message into a task's output, or says why there is none. */
export function parseTaskOutput(message: string | undefined): TaskOutputResult {
  if (message === undefined || message.trim() === '') {
    return { ok: false, reason: 'NoOutput', message: 'the container left no termination message' };
  }
  const bytes = Buffer.byteLength(message, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    if (bytes >= TERMINATION_MESSAGE_MAX_BYTES) {
      return {
        ok: false,
        reason: 'OutputTooLarge',
        message: `the termination message reached the ${TERMINATION_MESSAGE_MAX_BYTES}-byte limit and is cut off`,
      };
    }
    return { ok: false, reason: 'OutputNotJSON', message: 'the termination message is not JSON' };
  }
  if (bytes > TERMINATION_MESSAGE_MAX_BYTES) {
    return {
      ok: false,
      reason: 'OutputTooLarge',
      message: `the termination message has ${bytes} bytes; at most ${TERMINATION_MESSAGE_MAX_BYTES} are kept`,
    };
  }
  const result = outputSchema.safeParse(parsed);
  if (!result.success) {
    const where = result.error.issues[0]?.path.map(String).join('.') ?? '';
    return {
      ok: false,
      reason: 'OutputNotStringMap',
      message:
        where === ''
          ? 'the termination message is not a JSON object of strings'
          : `the termination message is not a JSON object of strings ("${where}" is not a string)`,
    };
  }
  return { ok: true, output: result.data };
}
