import { ApiException } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import {
  ConflictError,
  RetryableError,
  TerminalError,
  apiErrorCode,
  apiErrorReason,
  classifyError,
  isAlreadyExists,
  isConflict,
  isNotFound,
} from '@ambient-operator/shared';

/** What client-node 1.4.0 throws for a non-2xx answer: the body is the response text. */
function apiException(code: number, reason: string, message = reason): ApiException<string> {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
  return new ApiException(code, 'Unknown API Status Code!', body, {});
}

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}

describe('API error helpers', () => {
  test('read code and reason from an ApiException with a string body', () => {
    const notFound = apiException(404, 'NotFound', 'agenticsessions "x" not found');
    expect(apiErrorCode(notFound)).toBe(404);
    expect(apiErrorReason(notFound)).toBe('NotFound');
    expect(isNotFound(notFound)).toBe(true);
    expect(isConflict(notFound)).toBe(false);
  });

  test('tell AlreadyExists from a resourceVersion conflict (both 409)', () => {
    const exists = apiException(409, 'AlreadyExists');
    const conflict = apiException(409, 'Conflict');
    expect(isAlreadyExists(exists)).toBe(true);
    expect(isConflict(exists)).toBe(false);
    expect(isAlreadyExists(conflict)).toBe(false);
    expect(isConflict(conflict)).toBe(true);
  });

  test('understand watch errors (statusCode), parsed bodies, and non-API errors', () => {
    expect(apiErrorCode(Object.assign(new Error('Gone'), { statusCode: 410 }))).toBe(410);
    expect(apiErrorCode({ body: { kind: 'Status', code: 404, reason: 'NotFound' } })).toBe(404);
    expect(apiErrorCode(new ApiException(401, 'Unauthorized', undefined, {}))).toBe(401);
    expect(apiErrorCode(systemError('ECONNREFUSED'))).toBeUndefined();
    expect(apiErrorCode(new Error('boom'))).toBeUndefined();
    expect(apiErrorCode(undefined)).toBeUndefined();
    expect(isNotFound(new ApiException(404, 'x', 'not json', {}))).toBe(true);
    expect(apiErrorReason(new ApiException(404, 'x', 'not json', {}))).toBeUndefined();
  });
});

describe('classifyError', () => {
  test.each([
    [409, 'Conflict', 'conflict', 'CONFLICT'],
    [409, 'AlreadyExists', 'conflict', 'ALREADY_EXISTS'],
    [429, 'TooManyRequests', 'retryable', 'RATE_LIMITED'],
    [500, 'InternalError', 'retryable', 'SERVER_ERROR'],
    [503, 'ServiceUnavailable', 'retryable', 'SERVER_ERROR'],
    [504, 'Timeout', 'retryable', 'TIMEOUT'],
    [404, 'NotFound', 'retryable', 'NOT_FOUND'],
    [410, 'Expired', 'retryable', 'GONE'],
    [401, 'Unauthorized', 'retryable', 'UNAUTHORIZED'],
    [400, 'BadRequest', 'terminal', 'BAD_REQUEST'],
    [403, 'Forbidden', 'terminal', 'FORBIDDEN'],
    [422, 'Invalid', 'terminal', 'INVALID'],
    [415, 'UnsupportedMediaType', 'terminal', 'BAD_REQUEST'],
  ])('HTTP %i %s → %s (%s)', (status, reason, kind, code) => {
    expect(classifyError(apiException(status, reason))).toMatchObject({ kind, code, httpStatus: status });
  });

  test.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET'])(
    'network error %s → retryable',
    (code) => {
      expect(classifyError(systemError(code))).toMatchObject({ kind: 'retryable', code: 'NETWORK' });
    },
  );

  test('node-fetch FetchError, aborts and timeouts are retryable', () => {
    const fetchError = Object.assign(new Error('request failed'), { name: 'FetchError', type: 'system' });
    expect(classifyError(fetchError)).toMatchObject({ kind: 'retryable', code: 'NETWORK' });
    const aborted = new DOMException('aborted', 'AbortError');
    expect(classifyError(aborted)).toMatchObject({ kind: 'retryable', code: 'TIMEOUT' });
    expect(classifyError(systemError('ETIMEDOUT'))).toMatchObject({ kind: 'retryable', code: 'TIMEOUT' });
  });

  test('invalid input (zod) is terminal; unknown failures are retryable', () => {
    const zodError = z.string().safeParse(1).error;
    expect(classifyError(zodError)).toMatchObject({ kind: 'terminal', code: 'INVALID_INPUT' });
    expect(classifyError(new TypeError('x is undefined'))).toMatchObject({
      kind: 'retryable',
      code: 'UNKNOWN',
    });
    expect(classifyError('a string')).toMatchObject({ kind: 'retryable', message: 'a string' });
  });

  test('our own classes keep their kind and code', () => {
    expect(classifyError(new ConflictError('stale'))).toMatchObject({ kind: 'conflict', code: 'CONFLICT' });
    expect(classifyError(new RetryableError('later', 'NETWORK'))).toMatchObject({
      kind: 'retryable',
      code: 'NETWORK',
    });
    const terminal = new TerminalError('bad spec');
    expect(terminal.name).toBe('TerminalError');
    expect(classifyError(terminal)).toMatchObject({
      kind: 'terminal',
      code: 'INVALID_INPUT',
      message: 'bad spec',
    });
  });

  test('classification works by kind/code when the class comes from another copy of the module', () => {
    // A structurally identical error from a second module copy fails instanceof but must classify the same.
    const foreign = Object.assign(new Error('stale write'), {
      name: 'ConflictError',
      kind: 'conflict',
      code: 'CONFLICT',
    });
    expect(foreign instanceof ConflictError).toBe(false);
    expect(classifyError(foreign)).toMatchObject({ kind: 'conflict', code: 'CONFLICT' });
  });

  test('the cause is kept', () => {
    const cause = new Error('root');
    expect(new RetryableError('wrapped', 'NETWORK', { cause }).cause).toBe(cause);
  });
});
