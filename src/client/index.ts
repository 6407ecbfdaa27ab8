/**
 * The typed client of this server: event maps for socket.io-client, payload and object types,
 * the error catalogue, and a WebRTC helper. Frontend code and this repo's e2e tests import it
 * alike; it has no runtime dependency (socket.io-client types are only types).
 *
 *   const socket: CallsSocket = io(url, { auth: { token, dialect: 'calls' } });
 *   const reply = await socket.emitWithAck('startCall', { recipientUserId });
 */
import type { Socket } from 'socket.io-client';
import type { ChatClientToServerEvents, ChatServerToClientEvents } from './chat-events';
import type { CallsClientToServerEvents, CallsServerToClientEvents } from './calls-events';
import type { CommunityClientToServerEvents, CommunityServerToClientEvents } from './community-events';
import type { InstantClientToServerEvents, InstantServerToClientEvents } from './instant-events';
import type { InstantMentorClientToServerEvents, InstantMentorServerToClientEvents } from './instantmentor-events';
import type { SessionClientToServerEvents, SessionServerToClientEvents } from './session-events';
import type { WebrtcClientToServerEvents, WebrtcServerToClientEvents } from './webrtc-events';

export * from './acks';
export * from './calls-events';
export * from './chat-events';
export * from './community-events';
export * from './errors';
export * from './instant-events';
export * from './instantmentor-events';
export * from './models';
export * from './peer-call';
export * from './session-events';
export * from './webrtc-events';

/** What every Socket.IO dialect shares: authentication, errors, chat, presence, status, help requests. */
export type SharedClientToServerEvents = SessionClientToServerEvents & ChatClientToServerEvents & CommunityClientToServerEvents;
export type SharedServerToClientEvents = SessionServerToClientEvents & ChatServerToClientEvents & CommunityServerToClientEvents;

/** The calls dialect, the primary one, declared with `auth: {dialect: "calls"}`. */
export type ClientToServerEvents = SharedClientToServerEvents & CallsClientToServerEvents;
export type ServerToClientEvents = SharedServerToClientEvents & CallsServerToClientEvents;
export type CallsSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The webrtc dialect, declared with `auth: {dialect: "webrtc"}`. */
export type WebrtcSocket = Socket<
  SharedServerToClientEvents & WebrtcServerToClientEvents,
  SharedClientToServerEvents & WebrtcClientToServerEvents
>;

/** The instant dialect (the InstantMentor app's events), declared with `auth: {dialect: "instant"}`. */
export type InstantSocket = Socket<
  SharedServerToClientEvents & InstantServerToClientEvents,
  SharedClientToServerEvents & InstantClientToServerEvents
>;

/** The InstantMentor app, speaking its reference server's words; it need not declare itself (its payloads show it). */
export type InstantMentorSocket = Socket<
  SharedServerToClientEvents & InstantMentorServerToClientEvents,
  InstantMentorClientToServerEvents & Pick<SessionClientToServerEvents, 'authenticate'>
>;

export type SocketIoDialect = 'calls' | 'webrtc' | 'instant' | 'instantmentor';
