import { applyDecorators, type Type } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponse } from './dto/error.response';
import { type ErrorCode, httpStatusOf } from './errors';

/** The validation_failed of a route whose only input is a path parameter (validation.ts refuses what the database cannot store). */
export const UNSTORABLE_PARAMETER = 'A path parameter contains a NUL character or an unpaired surrogate';

/** The payload_too_large of a route that takes a JSON body. */
export const BODY_TOO_LARGE = 'The body is over the JSON size limit';

/** The error codes a route can answer, each with when it happens on that route. */
export type RouteErrors = Partial<Record<ErrorCode, string>>;

/** How error bodies look on a group of routes: their schema, and an example body for a code. */
export interface ErrorBodyShape {
  type: Type<unknown>;
  example(code: ErrorCode, message: string): object;
}

/** `{statusCode, code, message, details?}`: every route outside /api/video. */
export const HTTP_ERROR_BODY: ErrorBodyShape = {
  type: ErrorResponse,
  example: (code, message) => ({
    statusCode: httpStatusOf(code),
    code,
    message,
    ...(code === 'validation_failed' ? { details: { field: ['field must be a string'] } } : {}),
  }),
};

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds until the limit lets this client through again', schema: { type: 'integer' } },
};

/**
 * Documents a route's error responses from the catalogue: one response per HTTP status (409 may
 * carry `user_busy` and `invalid_state`), each with an example per code, all in one schema.
 */
export function ApiErrors(errors: RouteErrors, shape: ErrorBodyShape = HTTP_ERROR_BODY) {
  const byStatus = new Map<number, Array<[ErrorCode, string]>>();
  for (const [code, when] of Object.entries(errors) as Array<[ErrorCode, string]>) {
    const status = httpStatusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), [code, when]]);
  }
  const responses = [...byStatus].map(([status, entries]) =>
    ApiResponse({
      status,
      type: shape.type,
      description: entries.map(([code, when]) => `\`${code}\`: ${when}`).join('\n\n'),
      examples: Object.fromEntries(entries.map(([code, when]) => [code, { summary: code, value: shape.example(code, when) }])),
      ...(status === httpStatusOf('rate_limited') ? { headers: RETRY_AFTER } : {}),
    }),
  );
  return applyDecorators(...responses);
}
