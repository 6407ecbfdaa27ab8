import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MetricsService } from '../observability/metrics.service';
import { AppError, asAppError, ErrorCode, toHttpErrorBody } from './errors';

/** Under these routes errors are answered in the webrtc dialect's envelope, whatever raised them (a guard, the body parser, an unknown route). */
const VIDEO_ROUTES = '/api/video/';

/** An error in the webrtc dialect's envelope: `{success: false, error: {code, message}}`. */
const toVideoError = ({ code, message }: { code: string; message: string }) => ({ success: false, error: { code, message } });

/** Maps a status Nest or Express raised on its own (unknown route, body parser) to a contract code. */
function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404 || status === 405) return 'not_found';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'rate_limited';
  if (status === 409) return 'invalid_state';
  return status >= 500 ? 'internal' : 'validation_failed';
}

/** The status of an error Express middleware raised itself (body-parser's are http-errors). */
function httpErrorStatus(exception: unknown): number | undefined {
  const status = (exception as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** Parser messages quote the input back; say what went wrong in our own words instead. */
function messageFor(code: ErrorCode, exception: Error): string {
  switch (code) {
    case 'validation_failed':
      return /JSON/.test(exception.message) ? 'Request body is not valid JSON' : 'Malformed request';
    case 'payload_too_large':
      return 'Request body is too large';
    case 'rate_limited':
      return 'Too many requests';
    case 'internal':
      return 'Internal server error';
    default:
      return exception.message;
  }
}

/** Turns any thrown value into an AppError; unknown errors become `internal`. */
export function normalizeHttpError(exception: unknown): AppError {
  if (exception instanceof AppError) return exception;
  const status = exception instanceof HttpException ? exception.getStatus() : httpErrorStatus(exception);
  if (status === undefined) return asAppError(exception);
  const code = codeForStatus(status);
  return new AppError(code, messageFor(code, exception as Error));
}

/**
 * HTTP errors that reach Nest, rendered `{statusCode, code, message, details?}`, or in the webrtc
 * dialect's envelope under its routes (refusals before Nest: refuseRequest). An error that says
 * when to try again (`details.retryAfterMs`) says it in `Retry-After` too, as HTTP clients read it.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(private readonly metrics: MetricsService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const error = normalizeHttpError(exception);
    if (error.code === 'internal') {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    this.metrics.errorSent('http', error.code);
    const body = toHttpErrorBody(error);
    if (response.headersSent) return;
    const retryAfterMs = (error.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
    if (typeof retryAfterMs === 'number') response.setHeader('Retry-After', Math.ceil(retryAfterMs / 1000));
    const path = host.switchToHttp().getRequest<Request>().originalUrl;
    response.status(body.statusCode).json(path.startsWith(VIDEO_ROUTES) ? toVideoError(body) : body);
  }
}
