import type { Socket as TcpSocket } from 'node:net';

/** The part of an Engine.IO session this module uses (`flush` is engine.io's own, not in its typings). */
export interface FlushingSession {
  flush: (this: FlushingSession) => void;
  /** On a WebSocket, the `ws` socket. */
  transport: { socket?: unknown };
}

const waiting = new Set<FlushingSession>();
let scheduled = false;
let flushNow: (this: FlushingSession) => void;

/**
 * Packets sent to one Socket.IO connection within one tick leave in one TCP write. Engine.IO hands a
 * packet to its transport at once and holds the next ones until that write completes, so an event
 * and the ack right after it (a joiner's `joinedCall` and its `joinCall` answer, say) cost two
 * writes and two wake-ups of the client. Here a session's flush waits for the end of the tick, and
 * the WebSocket's TCP socket is corked while its frames are written.
 */
export function writeOncePerTick(session: FlushingSession): void {
  flushNow ??= (Object.getPrototypeOf(session) as FlushingSession).flush;
  session.flush = flushAtTickEnd;
}

function flushAtTickEnd(this: FlushingSession): void {
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
    } finally {
      tcp?.uncork();
    }
  }
}
