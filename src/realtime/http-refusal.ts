import { STATUS_CODES, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode, toHttpErrorBody } from '../common/errors';

/**
 * Refuses a request that never reaches Nest (a WebSocket upgrade, a Socket.IO handshake) with the
 * contract's error body, then closes the connection.
 */
export function refuseRequest(target: ServerResponse | Duplex, error: unknown): ErrorCode {
  const body = toHttpErrorBody(error);
  const { statusCode } = body;
  const json = JSON.stringify(body);
  if (target instanceof ServerResponse) {
    target.writeHead(statusCode, { 'Content-Type': 'application/json', Connection: 'close' }).end(json);
    return body.code;
  }
  // Node stops listening for this connection's errors before it hands over an upgrade: a client
  // that reset it meanwhile would make the answer's write an unhandled error.
  target.on('error', () => target.destroy());
  target.end(
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
  );
  return body.code;
}
