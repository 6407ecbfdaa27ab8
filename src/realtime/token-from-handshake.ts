import type { IncomingHttpHeaders } from 'node:http';

export interface HandshakeLike {
  auth?: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** The request URL (raw WebSocket) or parsed query (Socket.IO). */
  query?: Record<string, unknown>;
  url?: string;
}

/**
 * The contract's order: Socket.IO `auth.token`, then `Authorization: Bearer`, then `?token=`.
 * Shared by the Socket.IO handshake and the raw-WebSocket upgrade.
 */
export function tokenFromHandshake(handshake: HandshakeLike): string | undefined {
  const fromAuth = handshake.auth?.token;
  if (typeof fromAuth === 'string' && fromAuth) return stripBearer(fromAuth);
  const header = handshake.headers.authorization;
  if (typeof header === 'string' && /^bearer\s+\S/i.test(header)) return header.replace(/^bearer\s+/i, '').trim();
  const fromQuery = handshake.query?.token ?? queryToken(handshake.url);
  if (typeof fromQuery === 'string' && fromQuery) return fromQuery;
  return undefined;
}

function stripBearer(token: string): string {
  return token.replace(/^bearer\s+/i, '').trim();
}

function queryToken(url: string | undefined): string | undefined {
  if (!url) return undefined;
  return new URL(url, 'http://localhost').searchParams.get('token') ?? undefined;
}
