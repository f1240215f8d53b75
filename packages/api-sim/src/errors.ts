import { status as GrpcStatus } from '@grpc/grpc-js';
import { AMBIENT_API_BASE_PATH } from '@ambient-operator/api-contract';

/** The server's numbered error kinds (contract §1.6). */
export const ERROR_KINDS = {
  validation: { n: 8, http: 400 },
  malformedBody: { n: 17, http: 400 },
  badSearch: { n: 23, http: 400 },
  notFound: { n: 7, http: 404 },
  conflict: { n: 6, http: 409 },
  database: { n: 9, http: 500 },
  lock: { n: 26, http: 500 },
} as const;
export type ErrorKindName = keyof typeof ERROR_KINDS;

/** A failed call, answered as the REST error envelope or the matching gRPC status. */
export class ApiSimError extends Error {
  override readonly name = 'ApiSimError';
  constructor(
    readonly n: number,
    readonly httpStatus: number,
    readonly reason: string,
  ) {
    super(reason);
  }

  static of(kind: ErrorKindName, reason: string): ApiSimError {
    const { n, http } = ERROR_KINDS[kind];
    return new ApiSimError(n, http, reason);
  }

  /** An injected failure with an arbitrary HTTP status. */
  static injected(httpStatus: number): ApiSimError {
    const n = httpStatus >= 500 ? 9 : httpStatus === 404 ? 7 : httpStatus === 409 ? 6 : 8;
    return new ApiSimError(n, httpStatus, `api-sim: injected fault (${httpStatus})`);
  }

  envelope(operationId: string): Record<string, string> {
    return {
      kind: 'Error',
      id: String(this.n),
      href: `${AMBIENT_API_BASE_PATH}/errors/${this.n}`,
      code: `ambient-api-server-${this.n}`,
      reason: this.reason,
      operation_id: operationId,
    };
  }

  /** 400 → INVALID_ARGUMENT, 404 → NOT_FOUND, 409 → ALREADY_EXISTS, 403 → PERMISSION_DENIED, 5xx → INTERNAL. */
  grpcCode(): GrpcStatus {
    return grpcCodeForHttp(this.httpStatus);
  }
}

export function grpcCodeForHttp(httpStatus: number): GrpcStatus {
  switch (httpStatus) {
    case 400:
      return GrpcStatus.INVALID_ARGUMENT;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.NOT_FOUND;
    case 409:
      return GrpcStatus.ALREADY_EXISTS;
    case 429:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 503:
      return GrpcStatus.UNAVAILABLE;
    default:
      return httpStatus >= 500 ? GrpcStatus.INTERNAL : GrpcStatus.UNKNOWN;
  }
}
