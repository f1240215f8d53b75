import { z } from 'zod';

/**
 * What the queue does with a failed reconcile (architecture §3, style.md item 9):
 * - `retryable`: throw, so the per-key exponential backoff applies;
 * - `conflict`: reconcile again at once from a fresh read (never a blind retry of the write);
 * - `terminal`: record the reason in a condition, count it, do not retry.
 */
export type ErrorKind = 'retryable' | 'conflict' | 'terminal';

/** Stable machine-readable codes. Compare `code`, never messages. */
export type ErrorCode =
  | 'CONFLICT'
  | 'ALREADY_EXISTS'
  | 'NOT_FOUND'
  | 'GONE'
  | 'RATE_LIMITED'
  | 'SERVER_ERROR'
  | 'NETWORK'
  | 'TIMEOUT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'BAD_REQUEST'
  | 'INVALID'
  | 'INVALID_INPUT'
  | 'INVALID_KEY'
  | 'CONFIG'
  | 'KUBECONFIG'
  | 'UNKNOWN';

export interface OperatorErrorOptions {
  /** The underlying error, kept for logs. */
  cause?: unknown;
}

/**
 * Base class: every error of ours carries a stable `code` and a `kind`. `name` is set per subclass so
 * classification still works when two copies of this module are loaded (instanceof would fail).
 */
export class OperatorError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;

  constructor(message: string, code: ErrorCode, kind: ErrorKind, options: OperatorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OperatorError';
    this.code = code;
    this.kind = kind;
  }
}

/** A failure that may succeed later (API unavailable, rate limited, network). */
export class RetryableError extends OperatorError {
  constructor(message: string, code: ErrorCode = 'UNKNOWN', options?: OperatorErrorOptions) {
    super(message, code, 'retryable', options);
    this.name = 'RetryableError';
  }
}

/** Someone else changed the object first (HTTP 409): re-read and recompute. */
export class ConflictError extends OperatorError {
  constructor(message: string, code: ErrorCode = 'CONFLICT', options?: OperatorErrorOptions) {
    super(message, code, 'conflict', options);
    this.name = 'ConflictError';
  }
}

/** Retrying cannot help until the input changes (invalid spec, forbidden, bad name). */
export class TerminalError extends OperatorError {
  constructor(message: string, code: ErrorCode = 'INVALID_INPUT', options?: OperatorErrorOptions) {
    super(message, code, 'terminal', options);
    this.name = 'TerminalError';
  }
}

/** A malformed session key (`namespace/name`). */
export class InvalidKeyError extends TerminalError {
  constructor(message: string) {
    super(message, 'INVALID_KEY');
    this.name = 'InvalidKeyError';
  }
}

/** Bad flag or environment variable. The message names the setting, the value and the accepted form. */
export class ConfigError extends TerminalError {
  /** One line per offending setting. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'), 'CONFIG');
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** No usable kubeconfig or in-cluster service account, or the one found is unusable. */
export class KubeConfigError extends TerminalError {
  constructor(message: string, options?: OperatorErrorOptions) {
    super(message, 'KUBECONFIG', options);
    this.name = 'KubeConfigError';
  }
}

/** The result of {@link classifyError}: enough for the queue adapter to decide and for metrics to label. */
export interface ErrorClassification {
  kind: ErrorKind;
  code: ErrorCode;
  /** HTTP status of an API error, when there was one. */
  httpStatus?: number;
  message: string;
}

// --- Kubernetes API errors (@kubernetes/client-node 1.4.0) ---

/** The `Status` object the API server sends with failures (ApiException.body is its JSON text). */
const apiStatusSchema = z.looseObject({
  kind: z.literal('Status').optional(),
  code: z.number().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type ApiStatus = z.infer<typeof apiStatusSchema>;

function recordOf(err: unknown): Record<string, unknown> | undefined {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>) : undefined;
}

/**
 * The `Status` body of an API error: client-node 1.4.0's `ApiException.body` is the response text
 * (a string); parsed objects are accepted too. `undefined` when there is none or it is not a Status.
 */
export function apiErrorStatus(err: unknown): ApiStatus | undefined {
  const body = recordOf(err)?.['body'];
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const result = apiStatusSchema.safeParse(parsed);
  return result.success ? result.data : undefined;
}

/**
 * The HTTP status of a Kubernetes API error, or `undefined` when `err` is not one. Understands
 * client-node 1.4.0's `ApiException` (numeric `code`), watch errors (`statusCode`) and a `Status` body.
 */
export function apiErrorCode(err: unknown): number | undefined {
  const rec = recordOf(err);
  if (!rec) return undefined;
  // ApiException.code is the HTTP status; a network error's `code` is a string like 'ECONNREFUSED'.
  if (typeof rec['code'] === 'number' && rec['code'] >= 100 && rec['code'] <= 599) return rec['code'];
  if (typeof rec['statusCode'] === 'number') return rec['statusCode'];
  return apiErrorStatus(err)?.code;
}

/** The `reason` of the API error's Status body (`NotFound`, `AlreadyExists`, `Conflict`, ...). */
export function apiErrorReason(err: unknown): string | undefined {
  return apiErrorStatus(err)?.reason;
}

/** HTTP 404. */
export function isNotFound(err: unknown): boolean {
  return apiErrorCode(err) === 404;
}

/** HTTP 409 from a create: the object already exists. */
export function isAlreadyExists(err: unknown): boolean {
  return apiErrorCode(err) === 409 && apiErrorReason(err) === 'AlreadyExists';
}

/** HTTP 409 that is not AlreadyExists: a resourceVersion precondition failed (optimistic concurrency). */
export function isConflict(err: unknown): boolean {
  return apiErrorCode(err) === 409 && apiErrorReason(err) !== 'AlreadyExists';
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

const OUR_KINDS = new Set<string>(['retryable', 'conflict', 'terminal']);

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
}

function classifyHttpStatus(status: number, err: unknown): { kind: ErrorKind; code: ErrorCode } {
  if (status === 409) {
    return {
      kind: 'conflict',
      code: apiErrorReason(err) === 'AlreadyExists' ? 'ALREADY_EXISTS' : 'CONFLICT',
    };
  }
  if (status === 429) return { kind: 'retryable', code: 'RATE_LIMITED' };
  if (status >= 500) return { kind: 'retryable', code: status === 504 ? 'TIMEOUT' : 'SERVER_ERROR' };
  // An unexpected 404 means the world changed under us (object or namespace deleted, CRD not installed
  // yet). Expected NotFounds are outcomes handled by callers; for the rest a fresh level-based reconcile
  // re-reads and settles it (the CR is gone → nothing to do), so retrying with backoff is right.
  if (status === 404) return { kind: 'retryable', code: 'NOT_FOUND' };
  // 410: a watch/list resourceVersion expired; relisting fixes it.
  if (status === 410) return { kind: 'retryable', code: 'GONE' };
  // 401: the token file rotates; the next request re-reads it.
  if (status === 401) return { kind: 'retryable', code: 'UNAUTHORIZED' };
  if (status === 403) return { kind: 'terminal', code: 'FORBIDDEN' };
  if (status === 422) return { kind: 'terminal', code: 'INVALID' };
  if (status === 400) return { kind: 'terminal', code: 'BAD_REQUEST' };
  // Other 4xx (405, 413, 415, ...): the request itself is wrong; repeating it gives the same answer.
  return { kind: 'terminal', code: 'BAD_REQUEST' };
}

/**
 * Classify any thrown value once, by kind (like kube-rs's error_policy):
 * - our own errors (checked by `kind`/`code`/`name`, not only `instanceof`) keep their kind;
 * - API errors: 409 → conflict; 429, 5xx → retryable; 404, 410, 401 → retryable (see comments);
 *   400, 403, 422 and other 4xx → terminal;
 * - network errors (ECONNREFUSED, resets, timeouts, aborted fetches) → retryable;
 * - zod validation errors (invalid input) → terminal;
 * - anything else (a bug, an unknown failure) → retryable with code UNKNOWN, as controller-runtime
 *   does: backoff bounds the cost, and a fix or a new event lets it converge.
 */
export function classifyError(err: unknown): ErrorClassification {
  const message = messageOf(err);
  const rec = recordOf(err);
  if (
    rec &&
    typeof rec['kind'] === 'string' &&
    OUR_KINDS.has(rec['kind']) &&
    typeof rec['code'] === 'string'
  ) {
    return { kind: rec['kind'] as ErrorKind, code: rec['code'] as ErrorCode, message };
  }
  const status = apiErrorCode(err);
  if (status !== undefined) {
    return { ...classifyHttpStatus(status, err), httpStatus: status, message };
  }
  if (rec) {
    const name = typeof rec['name'] === 'string' ? rec['name'] : '';
    const code = typeof rec['code'] === 'string' ? rec['code'] : '';
    if (name === 'ZodError') return { kind: 'terminal', code: 'INVALID_INPUT', message };
    if (name === 'AbortError' || name === 'TimeoutError' || code === 'ETIMEDOUT') {
      return { kind: 'retryable', code: 'TIMEOUT', message };
    }
    if (NETWORK_ERROR_CODES.has(code) || code.startsWith('UND_ERR_')) {
      return { kind: 'retryable', code: 'NETWORK', message };
    }
    // node-fetch wraps socket errors in FetchError{type:'system'} and timeouts in type 'request-timeout'.
    if (name === 'FetchError') {
      return { kind: 'retryable', code: rec['type'] === 'request-timeout' ? 'TIMEOUT' : 'NETWORK', message };
    }
  }
  return { kind: 'retryable', code: 'UNKNOWN', message };
}
