import { TerminalError } from '@ambient-operator/shared';

/** What was wrong with the builders' input. */
export type ChildInputErrorReason = 'InvalidAgentRegistry' | 'InvalidModelsManifest' | 'InvalidStateDir';

/**
 * A configuration or spec problem found while building children. Retrying does not fix it (the API
 * server would answer 422), so it is a TerminalError (code INVALID_INPUT) and shared's classifyError
 * treats it as terminal. `reason` says which input was wrong, e.g. for a condition reason.
 */
export class ChildInputError extends TerminalError {
  readonly reason: ChildInputErrorReason;

  constructor(reason: ChildInputErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, 'INVALID_INPUT', options);
    this.name = 'ChildInputError';
    this.reason = reason;
  }
}
