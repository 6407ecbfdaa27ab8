import type { Socket } from 'socket.io';
import { BroadcastBatch, textFrame } from '../realtime/broadcast-batch';
import type { RealtimeNotice } from '../realtime/realtime-notice';
import { renderChat } from './chat.renderer';
import { renderCommunity } from './community.renderer';
import { renderCalls } from './calls.renderer';
import { renderInstant } from './instant.renderer';
import { renderWebrtc } from './webrtc.renderer';

import type { SocketIoDialect } from '../client';

export type { SocketIoDialect };

type Render = (notice: RealtimeNotice) => [string, unknown] | null;

const RENDERERS: Record<SocketIoDialect, Render> = {
  calls: renderCalls,
  webrtc: renderWebrtc,
  instant: renderInstant,
};

const CALLS_EVENTS = new Set([
  'startCall',
  'acceptCall',
  'declineCall',
  'cancelCall',
  'joinCall',
  'leaveCall',
  'toggleVideo',
  'toggleAudio',
  'offer',
  'answer',
  'iceCandidate',
]);

const INSTANT_EVENTS = new Set(['initiate_call', 'accept_call', 'reject_call', 'end_call']);

/** Words every Socket.IO dialect hears, whichever it speaks: their names clash with no dialect's. */
const SHARED_RENDERERS: Render[] = [renderChat, renderCommunity];

/** The dialect a call event belongs to; undefined for shared ones (authenticate, chat, presence, help requests). */
export function dialectOfEvent(event: string): SocketIoDialect | undefined {
  if (event.startsWith('webrtc:')) return 'webrtc';
  if (CALLS_EVENTS.has(event)) return 'calls';
  if (INSTANT_EVENTS.has(event)) return 'instant';
  return undefined;
}

export function isSocketIoDialect(value: unknown): value is SocketIoDialect {
  return typeof value === 'string' && value in RENDERERS;
}

/**
 * Which Socket.IO dialect a socket speaks: declared at the handshake (`auth.dialect` or
 * `?dialect=`), else learned from the first dialect event it sends. Until then it receives every
 * Socket.IO dialect's rendering, so an existing client that only listens still hears its calls.
 */
export function emitInDialect(socket: Socket, notice: RealtimeNotice): void {
  eachRendering(dialectOf(socket), notice, (event) => socket.emit(...event));
}

/**
 * Visits the events a notice is for a socket speaking `dialect` (undefined: not known yet, so
 * every dialect's). No arrays: every relayed message passes here.
 */
function eachRendering(dialect: SocketIoDialect | undefined, notice: RealtimeNotice, visit: (event: [string, unknown]) => void): void {
  for (const render of SHARED_RENDERERS) {
    const shared = render(notice);
    if (shared) return visit(shared);
  }
  if (dialect) {
    const rendered = RENDERERS[dialect](notice);
    if (rendered) visit(rendered);
    return;
  }
  for (const render of Object.values(RENDERERS)) {
    const rendered = render(notice);
    if (rendered) visit(rendered);
  }
}

const dialectOf = (socket: Socket) => (socket.data as { dialect?: SocketIoDialect }).dialect;

/**
 * A broadcast batch to one socket: on WebSocket, every event's frame is made once for all the
 * sockets of its dialect (as Socket.IO's own broadcast does) and the socket gets them in one write;
 * the events and frames on the wire are those emit would send.
 */
export function emitBatchInDialect(socket: Socket, userId: string, batch: BroadcastBatch): void {
  const transport = socket.conn.transport as { name: string; perMessageDeflate?: unknown };
  if (transport.name !== 'websocket' || transport.perMessageDeflate) {
    for (const notice of batch.noticesFor(userId)) emitInDialect(socket, notice);
    return;
  }
  const dialect = dialectOf(socket);
  const frames = batch.framesFor(userId, `socket.io:${dialect ?? 'any'}`, (notice) => {
    const frames: Buffer[] = [];
    // An Engine.IO message ("4") holding a Socket.IO event ("2") of the main namespace: what emit sends.
    eachRendering(dialect, notice, (event) => frames.push(textFrame(`42${JSON.stringify(event)}`)));
    return frames.length === 0 ? null : Buffer.concat(frames);
  });
  // With a pre-encoded frame, the WebSocket transport writes the frames as they are.
  if (frames && socket.connected) socket.conn.write('', { wsPreEncodedFrame: [frames] } as never);
}

/** Fixes the socket's dialect from its handshake, or from the first dialect event it sends. */
export function trackDialect(socket: Socket): void {
  const data = socket.data as { dialect?: SocketIoDialect };
  const declared: unknown = (socket.handshake.auth as { dialect?: unknown }).dialect ?? socket.handshake.query?.dialect;
  if (isSocketIoDialect(declared)) data.dialect = declared;
  socket.use(([event], next) => {
    data.dialect ??= dialectOfEvent(event);
    next();
  });
}
