/** Kubernetes `Status` failures, thrown by the API layer and written by the HTTP layer. */

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'Timeout';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** What the error names: `kind` is the resource (plural), as in `pods "x" not found`. */
export interface ResourceRef {
  group: string;
  /** plural resource name, e.g. `agenticsessions` */
  resource: string;
  kind?: string;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    // A client error is an answer (a GET of a missing Secret is routine), not a fault to trace: capturing
    // the stack took a twentieth of kube-sim's CPU in a 1,000-session burst. Server errors keep theirs.
    const stackTraceLimit = Error.stackTraceLimit;
    if (code < 500) Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): StatusBody {
    const body: StatusBody = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) {
      // The API server omits an empty group (core resources) from details, as Go's omitempty does.
      const { group, ...rest } = this.details;
      body.details = group ? this.details : rest;
    }
    return body;
  }
}

/** `agenticsessions.vteam.ambient-code` or `pods`: how the API server names a resource in messages. */
export function qualifiedResource(ref: ResourceRef): string {
  return ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
}

/** `AgenticSession.vteam.ambient-code` or `Pod`: how Invalid messages name a kind. */
function qualifiedKind(ref: ResourceRef): string {
  const kind = ref.kind ?? ref.resource;
  return ref.group ? `${kind}.${ref.group}` : kind;
}

export function notFound(ref: ResourceRef, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(ref)} "${name}" not found`, {
    name,
    group: ref.group,
    kind: ref.resource,
  });
}

export function alreadyExists(ref: ResourceRef, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedResource(ref)} "${name}" already exists`, {
    name,
    group: ref.group,
    kind: ref.resource,
  });
}

export function conflict(ref: ResourceRef, name: string, why: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(ref)} "${name}": ${why}`,
    { name, group: ref.group, kind: ref.resource },
  );
}

export const STALE_OBJECT_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

export function invalid(ref: ResourceRef, name: string, causes: StatusCause[]): ApiError {
  const rendered = causes.map((c) => `${c.field ?? '<nil>'}: ${c.message}`);
  const summary = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${qualifiedKind(ref)} "${name}" is invalid: ${summary}`, {
    name,
    group: ref.group,
    kind: ref.kind ?? ref.resource,
    causes,
  });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function forbidden(message: string): ApiError {
  return new ApiError(403, 'Forbidden', message);
}

export function gone(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function methodNotAllowed(message: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', message);
}

export function unsupportedMediaType(message: string): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', message);
}

export function notAcceptable(message: string): ApiError {
  return new ApiError(406, 'NotAcceptable', message);
}

export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', message);
}

export function tooManyRequests(retryAfterSeconds: number): ApiError {
  return new ApiError(
    429,
    'TooManyRequests',
    'the server has received too many requests and has asked us to try again later',
    {
      retryAfterSeconds,
    },
  );
}

/** Field-level causes, spelled like the API server's field.Error types. */
export const cause = {
  required: (field: string, detail?: string): StatusCause => ({
    reason: 'FieldValueRequired',
    message: detail ? `Required value: ${detail}` : 'Required value',
    field,
  }),
  invalid: (field: string, value: unknown, detail: string): StatusCause => ({
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${renderValue(value)}: ${detail}`,
    field,
  }),
  notSupported: (field: string, value: unknown, supported: unknown[]): StatusCause => ({
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${renderValue(value)}: supported values: ${supported.map(renderValue).join(', ')}`,
    field,
  }),
  typeInvalid: (field: string, value: unknown, detail: string): StatusCause => ({
    reason: 'FieldValueTypeInvalid',
    message: `Invalid value: ${renderValue(value)}: ${detail}`,
    field,
  }),
  forbidden: (field: string, detail: string): StatusCause => ({
    reason: 'FieldValueForbidden',
    message: `Forbidden: ${detail}`,
    field,
  }),
  tooLong: (field: string, max: number): StatusCause => ({
    reason: 'FieldValueTooLong',
    message: `Too long: may not be more than ${max} bytes`,
    field,
  }),
  tooMany: (field: string, actual: number, max: number): StatusCause => ({
    reason: 'FieldValueTooMany',
    message: `Too many: ${actual}: must have at most ${max} items`,
    field,
  }),
  duplicate: (field: string, value: unknown): StatusCause => ({
    reason: 'FieldValueDuplicate',
    message: `Duplicate value: ${renderValue(value)}`,
    field,
  }),
};

/** Go's `%#v`-ish rendering the API server uses in field errors. */
export function renderValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return '"array"';
  return '"object"';
}
