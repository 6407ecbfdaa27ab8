import type { ClientEvent, ServerEvent } from './acks.js';
import type { ErrorEvent } from './errors.js';

/** Sent within SOCKET_AUTH_TIMEOUT_MS of connecting when the handshake carried no token; or again, to refresh it. */
export interface AuthenticatePayload {
  token: string;
}

export interface AuthenticatedPayload {
  socketId: string;
  userId: string;
}

/** (ext) Sent before a graceful shutdown closes the connection: reconnect (to another instance). */
export interface ServerShutdownPayload {
  reconnect: true;
  message: string;
}

/** Events of every Socket.IO dialect: authentication and errors. */
export interface SessionClientToServerEvents {
  authenticate: ClientEvent<AuthenticatePayload, AuthenticatedPayload>;
}

export interface SessionServerToClientEvents {
  authenticated: ServerEvent<AuthenticatedPayload>;
  error: ServerEvent<ErrorEvent>;
  server_shutdown: ServerEvent<ServerShutdownPayload>;
}
