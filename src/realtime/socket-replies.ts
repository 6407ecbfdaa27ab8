import type { Socket } from 'socket.io';
import { AppError, ErrorBody, toErrorBody } from '../common/errors';

export type Ack = (response: unknown) => void;

/** The acknowledgement callback a client passed with an event, if any (always the last argument). */
export function ackOf(args: readonly unknown[]): Ack | undefined {
  const last = args[args.length - 1];
  return typeof last === 'function' ? (last as Ack) : undefined;
}

export function okReply<T extends object>(data?: T): { ok: true } & T {
  return { ok: true, ...(data ?? ({} as T)) };
}

/**
 * How every Socket.IO dialect reports a failure: through the acknowledgement when the client
 * asked for one, otherwise as an `error` event naming the event that failed.
 */
export function replyError(socket: Socket, event: string | undefined, ack: Ack | undefined, error: unknown): ErrorBody {
  const body = toErrorBody(error);
  if (ack) ack({ ok: false, error: body });
  else socket.emit('error', event ? { event, ...body } : body);
  return body;
}

export function unauthorizedError(message = 'Authenticate first: send authenticate {token}'): AppError {
  return new AppError('unauthorized', message);
}
