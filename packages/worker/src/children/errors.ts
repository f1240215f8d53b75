/** Stable codes of the input problems the child builders report. */
export type ChildInputErrorCode =
  'InvalidAgentRegistry' | 'InvalidModelsManifest' | 'InvalidStateDir' | 'InvalidSessionName';

/**
 * A configuration or spec problem found while building children. Retrying does not fix it (the API
 * server would answer 422), so the reconcile loop should treat it as terminal. Match on `name`/`code`
 * rather than `instanceof`, so the check survives two copies of this module.
 */
export class ChildInputError extends Error {
  override readonly name = 'ChildInputError';
  readonly code: ChildInputErrorCode;

  constructor(code: ChildInputErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
