import { Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { AppError, ErrorBody, toErrorBody } from '../common/errors';
import { MetricsService } from '../observability/metrics.service';

export type Ack = (response: unknown) => void;

/** The acknowledgement callback a client passed with an event, if any (always the last argument). */
export function ackOf(args: readonly unknown[]): Ack | undefined {
  const last = args[args.length - 1];
  return typeof last === 'function' ? (last as Ack) : undefined;
}

/** Every Socket.IO event's success reply: `{ok: true}` with the handler's result. */
export function okReply<T extends object>(data?: T): { ok: true } & T {
  return { ok: true, ...(data ?? ({} as T)) };
}

/** The event a failure is sent as when the client passed no acknowledgement: `error`, unless the socket says otherwise. */
export interface SocketErrorEventData {
  errorEvent?: string;
}

/** The InstantMentor app's clients take an `error` event for a broken connection: they hear failures as this. */
export const APP_ERROR_EVENT = 'request_failed';

/** How every Socket.IO dialect reports a failure, counted by contract code. */
@Injectable()
export class SocketReplies {
  constructor(private readonly metrics: MetricsService) {}

  /**
   * Through the acknowledgement when the client asked for one, otherwise as an `error` event (or
   * the socket's own error event) naming the event that failed.
   */
  error(socket: Socket, event: string | undefined, ack: Ack | undefined, error: unknown): ErrorBody {
    const body = toErrorBody(error);
    this.metrics.errorSent('socket.io', body.code);
    if (ack) ack({ ok: false, error: body });
    else socket.emit((socket.data as SocketErrorEventData).errorEvent ?? 'error', event ? { event, ...body } : body);
    return body;
  }
}

export function unauthorizedError(message = 'Authenticate first: send authenticate {token}'): AppError {
  return new AppError('unauthorized', message);
}

/** Sent as a connection ends at its token's expiry: the client should get a new token, then reconnect. */
export function tokenExpiredError(): AppError {
  return new AppError('unauthorized', 'Access token expired', { reason: 'token_expired' });
}
