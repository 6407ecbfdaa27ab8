import type { Socket } from 'socket.io-client';
import type { ChatClientToServerEvents, ChatServerToClientEvents } from './chat-events.js';
import type { CallsClientToServerEvents, CallsServerToClientEvents } from './calls-events.js';
import type { CommunityClientToServerEvents, CommunityServerToClientEvents } from './community-events.js';
import type { InstantClientToServerEvents, InstantServerToClientEvents } from './instant-events.js';
import type { InstantMentorClientToServerEvents, InstantMentorServerToClientEvents } from './instantmentor-events.js';
import type { SessionClientToServerEvents, SessionServerToClientEvents } from './session-events.js';
import type { WebrtcClientToServerEvents, WebrtcServerToClientEvents } from './webrtc-events.js';

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
