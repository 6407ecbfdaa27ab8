import type { Socket } from 'socket.io-client';
import type { ChatClientToServerEvents, ChatServerToClientEvents } from './chat-events.js';
import type { CallsClientToServerEvents, CallsServerToClientEvents } from './calls-events.js';
import type { CommunityClientToServerEvents, CommunityServerToClientEvents } from './community-events.js';
import type { InstantClientToServerEvents, InstantServerToClientEvents } from './instant-events.js';
import type { InstantMentorClientToServerEvents, InstantMentorServerToClientEvents } from './instantmentor-events.js';
import type { SessionClientToServerEvents, SessionServerToClientEvents } from './session-events.js';
import type { WebrtcClientToServerEvents, WebrtcServerToClientEvents } from './webrtc-events.js';

/**
 * What the calls, webrtc and instant dialects share: authentication, errors, and chat, presence,
 * status and help requests in the contract's shared names (CONTRACT.md §8). The InstantMentor app hears some of these in its
 * own words instead (InstantMentorSharedServerToClientEvents).
 */
export type SharedClientToServerEvents = SessionClientToServerEvents & ChatClientToServerEvents & CommunityClientToServerEvents;
export type SharedServerToClientEvents = SessionServerToClientEvents & ChatServerToClientEvents & CommunityServerToClientEvents;

/*
 * A notice none of a socket's dialects has words for reaches it in the words of every dialect that
 * has them (CONTRACT.md §3): the maps below are those a socket of one dialect hears from the others.
 */

/**
 * Room events, which only the calls dialect has: a socket in a call's room hears of the others
 * there in its words. A webrtc socket enters the room as it calls (`webrtc:call`) or answers.
 */
export type RoomServerToClientEvents = Pick<
  CallsServerToClientEvents,
  'userJoined' | 'participantLeft' | 'participantVideoToggled' | 'participantAudioToggled'
>;

/**
 * Only the InstantMentor app has words for a relayed hang-up and for sessions: every dialect hears
 * an app peer's `webrtc_hangup`, `join_session` and `leave_session` so.
 */
export type AppOnlyServerToClientEvents = Pick<
  InstantMentorServerToClientEvents,
  'webrtc_hangup' | 'user_joined_session' | 'user_left_session'
>;

/**
 * A relayed signal in every dialect's words, as a socket of the instant dialect (which has none)
 * hears it until it signals in one of them; from then on it hears that one's (and that dialect's
 * call events too).
 */
export type AnySignalServerToClientEvents = Pick<CallsServerToClientEvents, 'offer' | 'answer' | 'iceCandidate' | 'iceRestart'> &
  Pick<WebrtcServerToClientEvents, 'webrtc:offer' | 'webrtc:answer' | 'webrtc:ice-candidate' | 'webrtc:restart'> &
  Pick<InstantMentorServerToClientEvents, 'webrtc_offer' | 'webrtc_answer' | 'webrtc_ice_candidate' | 'webrtc_hangup' | 'webrtc_restart'>;

/**
 * The shared events as the InstantMentor app hears them: its own `message_received`,
 * `mentor_status_update` and `help_request_received` replace `new_message`, `mentor_status_changed`
 * and `help_request`; the contract's shared names (CONTRACT.md §8) remain where the app has none (typing, read receipts,
 * presence, what became of a help request).
 */
export type InstantMentorSharedServerToClientEvents = SessionServerToClientEvents &
  Omit<ChatServerToClientEvents & CommunityServerToClientEvents, 'new_message' | 'mentor_status_changed' | 'help_request'>;

/** The calls dialect, the primary one, declared with `auth: {dialect: "calls"}`. */
export type ClientToServerEvents = SharedClientToServerEvents & CallsClientToServerEvents;
export type ServerToClientEvents = SharedServerToClientEvents & CallsServerToClientEvents & AppOnlyServerToClientEvents;
export type CallsSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The webrtc dialect, declared with `auth: {dialect: "webrtc"}`: it has no room events, and hears the calls dialect's. */
export type WebrtcSocket = Socket<
  SharedServerToClientEvents & WebrtcServerToClientEvents & RoomServerToClientEvents & AppOnlyServerToClientEvents,
  SharedClientToServerEvents & WebrtcClientToServerEvents
>;

/**
 * The instant dialect (the contract's call events, CONTRACT.md §8), declared with `auth: {dialect: "instant"}`. It has
 * no signaling words: its clients signal with the webrtc (or calls) dialect's events on the same
 * socket, which then speaks that dialect too (type it with both dialects' maps).
 */
export type InstantSocket = Socket<
  SharedServerToClientEvents & InstantServerToClientEvents & AnySignalServerToClientEvents & AppOnlyServerToClientEvents,
  SharedClientToServerEvents & InstantClientToServerEvents
>;

/**
 * The InstantMentor app, speaking its reference server's words. Its handshake declares it (`userRole`
 * in `auth`, a `user-role` header, or `dialect: "instantmentor"`), as does any payload in its words;
 * until a socket has shown which words it speaks, it hears every dialect's. A failure without an
 * ack comes as `request_failed` once the socket is authenticated and known as the app's, as `error` before.
 */
export type InstantMentorSocket = Socket<
  InstantMentorSharedServerToClientEvents & InstantMentorServerToClientEvents,
  InstantMentorClientToServerEvents & Pick<SessionClientToServerEvents, 'authenticate'>
>;

export type SocketIoDialect = 'calls' | 'webrtc' | 'instant' | 'instantmentor';
