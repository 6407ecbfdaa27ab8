/** The contract's error catalogue (CONTRACT.md §9): one code set for HTTP and every realtime dialect. */

export const ERROR_CODES = [
  'unauthorized',
  'forbidden',
  'not_found',
  'validation_failed',
  'user_busy',
  'invalid_state',
  'rate_limited',
  'payload_too_large',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Per-field messages for `validation_failed`: `{ email: ["email must be an email"] }`. */
export type FieldErrors = Record<string, string[]>;

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
    default:
      return assertUnreachable(code);
  }
}

/** The error body every transport sends: never a stack trace, never an internal message for 500s. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof AppError) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details };
  }
  return { code: 'internal', message: 'Internal server error' };
}
