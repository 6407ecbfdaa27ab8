import { Logger } from '@nestjs/common';
import type { Socket as TcpSocket } from 'node:net';

/** The part of an Engine.IO session this module uses (`flush` is engine.io's own, not in its typings). */
export interface FlushingSession {
  flush: (this: FlushingSession) => void;
  readyState: string;
  /** On a WebSocket, the `ws` socket. */
  transport: { socket?: unknown };
}

const logger = new Logger('Socket.IO');
const waiting = new Set<FlushingSession>();
let scheduled = false;
let flushNow: (this: FlushingSession) => void;

/**
 * Packets sent to one Socket.IO connection within one tick are written together. Engine.IO hands a
 * packet to its transport at once and holds the next ones until that write completes, so an event
 * and the ack right after it (a joiner's `joinedCall` and its `joinCall` answer, say) cost two
 * writes and two wake-ups of the client. Here an open session's flush waits for the end of the tick,
 * and the WebSocket's TCP socket is corked while its frames are written.
 */
export function writeOncePerTick(session: FlushingSession): void {
  flushNow ??= (Object.getPrototypeOf(session) as FlushingSession).flush;
  session.flush = flushAtTickEnd;
}

function flushAtTickEnd(this: FlushingSession): void {
  // A closing session (Engine.IO flushes, then closes the transport) is flushed at once.
  if (this.readyState !== 'open') return flushNow.call(this);
  waiting.add(this);
  if (scheduled) return;
  scheduled = true;
  process.nextTick(flushWaiting);
}

function flushWaiting(): void {
  scheduled = false;
  for (const session of waiting) {
    waiting.delete(session);
    // ws keeps the TCP socket it runs on as `_socket`.
    const tcp = (session.transport.socket as { _socket?: TcpSocket } | undefined)?._socket;
    tcp?.cork();
    try {
      flushNow.call(session);
    } catch (error) {
      // Outside any handler: one session's failure must neither stop the others' nor the process.
      logger.error(error);
    } finally {
      tcp?.uncork();
    }
  }
}
