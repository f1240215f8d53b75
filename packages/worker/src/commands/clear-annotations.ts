import { removeSessionAnnotations } from '../session-annotations.js';
import type { CommandContext } from './command-context.js';

/** Consumes one-shot annotations (desired-phase, stop-reason, force-execute-prompt, …). */
export async function clearAnnotations(ctx: CommandContext, keys: readonly string[]): Promise<void> {
  await removeSessionAnnotations(ctx, keys);
}
