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

/** The dialects a socket has used, one bit each (a number per socket, not a set). */
type DialectSet = number;
const BIT: Record<SocketIoDialect, number> = { calls: 1, webrtc: 2, instant: 4 };
const DIALECTS = (Object.keys(RENDERERS) as SocketIoDialect[]).map((dialect) => ({ bit: BIT[dialect], render: RENDERERS[dialect] }));

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
function dialectOfEvent(event: string): SocketIoDialect | undefined {
  if (event.startsWith('webrtc:')) return 'webrtc';
  if (CALLS_EVENTS.has(event)) return 'calls';
  if (INSTANT_EVENTS.has(event)) return 'instant';
  return undefined;
}

function isSocketIoDialect(value: unknown): value is SocketIoDialect {
  return typeof value === 'string' && value in RENDERERS;
}

/**
 * A notice in the words of the Socket.IO dialects a socket has used (CONTRACT.md §3): declared at
 * the handshake (`auth.dialect` or `?dialect=`) or spoken (it sent one of a dialect's call
 * events). Before it has used any, and for a notice none of its dialects has words for, it hears
 * every dialect that has words: an existing client that only listens still hears its calls, and
 * one whose dialect cannot say a signal hears it in the words that can.
 */
export function emitInDialect(socket: Socket, notice: RealtimeNotice): void {
  eachRendering(dialectsOf(socket), notice, (event) => socket.emit(...event));
}

/** Visits the events a notice is for a socket that has used `dialects`. No arrays: every relayed message passes here. */
function eachRendering(dialects: DialectSet, notice: RealtimeNotice, visit: (event: [string, unknown]) => void): void {
  for (const render of SHARED_RENDERERS) {
    const shared = render(notice);
    if (shared) return visit(shared);
  }
  let heard = false;
  for (const { bit, render } of DIALECTS) {
    if ((dialects & bit) === 0) continue;
    const rendered = render(notice);
    if (rendered) {
      visit(rendered);
      heard = true;
    }
  }
  if (heard) return;
  for (const { render } of DIALECTS) {
    const rendered = render(notice);
    if (rendered) visit(rendered);
  }
}

const dialectsOf = (socket: Socket): DialectSet => (socket.data as { dialects?: DialectSet }).dialects ?? 0;

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
  const dialects = dialectsOf(socket);
  const frames = batch.framesFor(userId, `socket.io:${dialects}`, (notice) => {
    const frames: Buffer[] = [];
    // An Engine.IO message ("4") holding a Socket.IO event ("2") of the main namespace: what emit sends.
    eachRendering(dialects, notice, (event) => frames.push(textFrame(`42${JSON.stringify(event)}`)));
    return frames.length === 0 ? null : Buffer.concat(frames);
  });
  // With a pre-encoded frame, the WebSocket transport writes the frames as they are.
  if (frames && socket.connected) socket.conn.write('', { wsPreEncodedFrame: [frames] } as never);
}

/** Notes the dialect a socket declares at its handshake, and each dialect whose call events it sends. */
export function trackDialect(socket: Socket): void {
  const data = socket.data as { dialects?: DialectSet };
  const declared: unknown = (socket.handshake.auth as { dialect?: unknown }).dialect ?? socket.handshake.query?.dialect;
  if (isSocketIoDialect(declared)) data.dialects = BIT[declared];
  socket.use(([event], next) => {
    const spoken = dialectOfEvent(event);
    if (spoken) data.dialects = (data.dialects ?? 0) | BIT[spoken];
    next();
  });
}
