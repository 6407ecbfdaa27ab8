// The contract's error catalogue (CONTRACT.md §9) and the wire shapes live in the client module,
// which frontends import too: one code set for HTTP and every realtime dialect.
import type { ErrorBody, ErrorCode, HttpErrorBody } from '@call-signaling/client';
import type { LoggerService } from '@nestjs/common';
import { isSharedStateUnavailable } from '../cluster/redis-errors';
import { isDatabaseUnavailable } from '../database/prisma-errors';

export { ERROR_CODES } from '@call-signaling/client';
export type { ErrorBody, ErrorCode, FieldErrors } from '@call-signaling/client';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** `unavailable`: what failed will work again shortly (the shared state came back); send it again after `retryAfterMs`. */
export function briefOutage(message: string): AppError {
  return new AppError('unavailable', message, { retryAfterMs: 1_000 });
}

export function assertUnreachable(value: never): never {
  throw new Error(`Unhandled value: ${String(value)}`);
}

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'validation_failed':
      return 400;
    case 'user_busy':
    case 'invalid_state':
      return 409;
    case 'rate_limited':
      return 429;
    case 'payload_too_large':
      return 413;
    case 'internal':
      return 500;
    case 'unavailable':
      return 503;
    default:
      return assertUnreachable(code);
  }
}

/** Any thrown value as an AppError: unknown errors are `internal`, saying only what a client can act on. */
export function asAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isSharedStateUnavailable(error)) return briefOutage('The service is briefly unavailable; try again in a moment');
  if (isDatabaseUnavailable(error)) return new AppError('internal', 'The database is unavailable; try again shortly');
  return new AppError('internal', 'Internal server error');
}

/**
 * Worth a log line with its stack: an error no rule expected (a bug, the database failing), as
 * opposed to a refusal, or Redis briefly away (told to the client as `unavailable`; the Redis
 * connections log their own loss and return).
 */
export function isUnexpected(error: unknown): boolean {
  return !(error instanceof AppError) && asAppError(error).code === 'internal';
}

/** Logs `error` with its stack when it is unexpected (isUnexpected); a refusal or a brief outage is not logged here. */
export function logIfUnexpected(logger: LoggerService, error: unknown): void {
  if (isUnexpected(error)) logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
}

export function toErrorBody(error: unknown): ErrorBody {
  const { code, message, details } = asAppError(error);
  return details === undefined ? { code, message } : { code, message, details };
}

/** The HTTP error body, `{statusCode, code, message, details?}`, for Nest's filter and for refusals outside Nest. */
export function toHttpErrorBody(error: unknown): HttpErrorBody {
  const body = toErrorBody(error);
  return { statusCode: httpStatusOf(body.code), ...body };
}
