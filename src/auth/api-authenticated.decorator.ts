import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiErrors, HTTP_ERROR_BODY, type ErrorBodyShape } from '../common/api-errors.decorator';

/** The OpenAPI security scheme of the access token (a JWT in `Authorization: Bearer`). */
export const BEARER_SCHEME = 'bearer';

/**
 * Documents what the token check and the HTTP rate limit (HttpAdmissionGuard) do to a route not marked
 * @Public(): it needs the bearer token (401 without), and counts against the per-user limit.
 */
export const ApiAuthenticated = (shape: ErrorBodyShape = HTTP_ERROR_BODY) =>
  applyDecorators(
    ApiBearerAuth(BEARER_SCHEME),
    ApiErrors(
      {
        unauthorized: 'The bearer token is missing, invalid or expired',
        rate_limited: 'Over RATE_LIMIT_HTTP_PER_MIN requests a minute from this user or address',
      },
      shape,
    ),
  );
