import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
} from 'redis';

const UNREACHABLE = [
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
];

/** The Redis connection failed under a command (Redis went away mid-request), as opposed to a command Redis refused. */
export function isSharedStateUnavailable(error: unknown): boolean {
  return UNREACHABLE.some((kind) => error instanceof kind);
}
