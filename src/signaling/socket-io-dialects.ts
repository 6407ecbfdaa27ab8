import type { Socket } from 'socket.io';
import { BroadcastBatch, textFrame } from '../realtime/broadcast-batch';
import type { RealtimeNotice } from '../realtime/realtime-notice';
import { APP_ERROR_EVENT, SocketErrorEventData } from '../realtime/socket-replies';
import type { SocketPacket } from '../realtime/socket-auth.service';
import { renderChat } from './chat.renderer';
import { renderCommunity } from './community.renderer';
import { renderCalls } from './calls.renderer';
import { renderInstant } from './instant.renderer';
import { readAppWords } from './instantmentor.words';
import { renderInstantMentorCalls, renderInstantMentorCommunity } from './instantmentor.renderer';
import { renderWebrtc } from './webrtc.renderer';

import type { SocketIoDialect } from '@call-signaling/client';

export type { SocketIoDialect };

type Render = (notice: RealtimeNotice) => [string, unknown] | null;
type Visit = (event: [string, unknown]) => void;
interface Renderer {
  bits: number;
  render: Render;
}

const RENDERERS: Record<SocketIoDialect, Render> = {
  calls: renderCalls,
  webrtc: renderWebrtc,
  // Adjacent: the two share call_accepted, call_rejected and call_ended (one event with both field sets).
  instant: renderInstant,
  instantmentor: renderInstantMentorCalls,
};

/** The dialects a socket has used, one bit each (a number per socket, not a set). */
type DialectSet = number;
const BIT: Record<SocketIoDialect, number> = { calls: 1, webrtc: 2, instant: 4, instantmentor: 8 };
const DIALECTS: Renderer[] = (Object.keys(RENDERERS) as SocketIoDialect[]).map((dialect) => ({
  bits: BIT[dialect],
  render: RENDERERS[dialect],
}));

/**
 * Chat, presence, status and help requests: section 8's words for every dialect but the
 * InstantMentor app's, whose own words (where its names differ) its clients hear instead.
 */
const renderSection8Community: Render = (notice) => renderChat(notice) ?? renderCommunity(notice);
const COMMUNITY: Renderer[] = [
  { bits: BIT.calls | BIT.webrtc | BIT.instant, render: renderSection8Community },
  { bits: BIT.instantmentor, render: renderInstantMentorCommunity },
];

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

/** The dialect a call event belongs to; undefined for shared ones (authenticate, chat, presence, help requests). */
function dialectOfEvent(event: string): SocketIoDialect | undefined {
  if (event.startsWith('webrtc:')) return 'webrtc';
  if (CALLS_EVENTS.has(event)) return 'calls';
  if (INSTANT_EVENTS.has(event)) return 'instant';
  return undefined;
}

/**
 * The dialect a socket declared at its handshake. The InstantMentor app declares none, but it
 * introduces itself the way its reference server wanted, with its role in `auth` or a `user-role`
 * header: that says it speaks the app's words.
 */
function declaredDialect(socket: Socket): SocketIoDialect | undefined {
  const auth = socket.handshake.auth as { dialect?: unknown; userRole?: unknown };
  const declared: unknown = auth.dialect ?? socket.handshake.query?.dialect;
  if (typeof declared === 'string' && declared in RENDERERS) return declared as SocketIoDialect;
  if (auth.userRole !== undefined || socket.handshake.headers['user-role'] !== undefined) return 'instantmentor';
  return undefined;
}

/**
 * A notice in the words of the Socket.IO dialects a socket has used (CONTRACT.md §3, §8): declared
 * at the handshake (`auth.dialect` or `?dialect=`) or spoken (it sent one of a dialect's call
 * events, or any event in the InstantMentor app's words). Before it has used any, and for a notice
 * none of its dialects has words for, it hears every dialect that has words: an existing client
 * that only listens still hears its calls, and one whose dialect cannot say a signal hears it in
 * the words that can.
 */
export function emitInDialect(socket: Socket, notice: RealtimeNotice): void {
  eachRendering(dialectsOf(socket), notice, (event) => socket.emit(...event));
}

/** Visits the events a notice is for a socket that has used `dialects`. No arrays: every relayed message passes here. */
function eachRendering(dialects: DialectSet, notice: RealtimeNotice, visit: Visit): void {
  // Call words first: relayed signals, the busiest notices, are found at once.
  if (!visitHeard(DIALECTS, dialects, notice, visit)) visitHeard(COMMUNITY, dialects, notice, visit);
}

/**
 * Visits the renderings of `renderers` the socket's dialects hear, else (none of them can say the
 * notice) those of all that can. False when none can.
 */
function visitHeard(renderers: readonly Renderer[], dialects: DialectSet, notice: RealtimeNotice, visit: Visit): boolean {
  return visitEach(renderers, dialects, true, notice, visit) || visitEach(renderers, dialects, false, notice, visit);
}

/** Renderers of the socket's dialects (`own`) or of the others; adjacent ones that render one event name render it alike, and it is sent once. */
function visitEach(renderers: readonly Renderer[], dialects: DialectSet, own: boolean, notice: RealtimeNotice, visit: Visit): boolean {
  let previous: string | undefined;
  for (const { bits, render } of renderers) {
    if (((dialects & bits) !== 0) !== own) continue;
    const rendered = render(notice);
    if (!rendered || rendered[0] === previous) continue;
    previous = rendered[0];
    visit(rendered);
  }
  return previous !== undefined;
}

interface SocketDialectData extends SocketErrorEventData {
  dialects?: DialectSet;
}

const dialectsOf = (socket: Socket): DialectSet => (socket.data as SocketDialectData).dialects ?? 0;

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

/**
 * Notes the dialect a socket declares at its handshake. A socket that declares the InstantMentor
 * app hears failures as `request_failed`: the app's clients take an `error` event for a broken
 * connection.
 */
export function noteDeclaredDialect(socket: Socket): void {
  const data = socket.data as SocketDialectData;
  const declared = declaredDialect(socket);
  if (declared) data.dialects = (data.dialects ?? 0) | BIT[declared];
  if (declared === 'instantmentor') data.errorEvent = APP_ERROR_EVENT;
}

/**
 * For every packet of an authenticated socket: notes each dialect whose call events it sends, and
 * reads the InstantMentor app's words into the fields the gateways validate. A socket that spoke
 * them hears failures as `request_failed`, as one that declared the app does.
 */
export function readDialectOfPacket(socket: Socket, packet: SocketPacket): void {
  const data = socket.data as SocketDialectData;
  const event = packet[0];
  const withoutPayload = typeof packet[1] === 'function';
  const appWords = readAppWords(event, withoutPayload ? undefined : packet[1]);
  if (appWords) {
    if (withoutPayload) packet.splice(1, 0, appWords.payload);
    else packet[1] = appWords.payload;
    if (appWords.speaks) {
      data.dialects = (data.dialects ?? 0) | BIT.instantmentor;
      data.errorEvent = APP_ERROR_EVENT;
    }
  } else {
    const spoken = dialectOfEvent(event);
    if (spoken) data.dialects = (data.dialects ?? 0) | BIT[spoken];
  }
}

/** Whether a socket may be the InstantMentor app: it declared no dialect at its handshake, or introduced itself as the app. */
export function mayBeInstantMentorApp(socket: Socket): boolean {
  const declared = declaredDialect(socket);
  return declared === undefined || declared === 'instantmentor';
}
