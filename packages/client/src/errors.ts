/** The error catalogue (CONTRACT.md §9): the same codes on every transport and dialect. */
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
  // (ext) Briefly unavailable (the shared state is unreachable): send it again in a moment.
  'unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Per-field messages for `validation_failed`: `{ email: ["email must be an email"] }`. */
export type FieldErrors = Record<string, string[]>;

/** What every failure carries: in an ack's `error`, in an `error` event, in an HTTP body. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Per-field messages for `validation_failed`; `{reason: "token_expired"}` when a token expired. */
  details?: unknown;
}

/** HTTP errors add the status (CONTRACT.md §9); `/api/video` routes wrap theirs in `{success: false, error}`. */
export interface HttpErrorBody extends ErrorBody {
  statusCode: number;
}

/** A Socket.IO failure sent without an acknowledgement: names the event that failed. */
export interface ErrorEvent extends ErrorBody {
  event?: string;
}
