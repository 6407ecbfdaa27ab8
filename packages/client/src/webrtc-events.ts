import type { ClientEvent, ServerEvent } from './acks.js';
import type { CallAck } from './calls-events.js';

/** The webrtc dialect's `webrtc:*` events (CONTRACT.md §5): peers are addressed by user id. */

interface ToUser {
  to: string | number;
  callId?: string;
}

export interface WebrtcCallPayload extends ToUser {
  room_name?: string;
  /** (ext) How long the call may last once answered, in seconds. */
  maxDurationS?: number;
}

export type WebrtcSdpPayload = ToUser & { sdp: unknown };
export type WebrtcIcePayload = ToUser & { candidate: unknown };

interface FromUser {
  from: string;
  callId: string;
}

export interface WebrtcClientToServerEvents {
  'webrtc:call': ClientEvent<WebrtcCallPayload, CallAck>;
  'webrtc:offer': ClientEvent<WebrtcSdpPayload>;
  'webrtc:answer': ClientEvent<WebrtcSdpPayload>;
  'webrtc:ice-candidate': ClientEvent<WebrtcIcePayload>;
  'webrtc:end-call': ClientEvent<ToUser, CallAck>;
  /** (ext) Ask `to` for an ICE restart, e.g. after this device changed networks. */
  'webrtc:restart': ClientEvent<ToUser>;
}

export interface WebrtcServerToClientEvents {
  'webrtc:incoming-call': ServerEvent<FromUser & { room_name: string | null }>;
  /** (ext) The callee answered, possibly on another dialect: begin the offer. */
  'webrtc:call-accepted': ServerEvent<FromUser>;
  'webrtc:offer': ServerEvent<FromUser & { sdp: unknown }>;
  'webrtc:answer': ServerEvent<FromUser & { sdp: unknown }>;
  'webrtc:ice-candidate': ServerEvent<FromUser & { candidate: unknown }>;
  /** `from` is null when nobody ended it (missed); `reason` says why it closed. */
  'webrtc:end-call': ServerEvent<{ from: string | null; callId: string; reason: string }>;
  /** (ext) Both parties, before the call's limit. */
  'webrtc:time-warning': ServerEvent<{ callId: string; secondsLeft: number; endsAt: string }>;
  /** (ext) `from` asks for more time (answer over REST or the calls dialect). */
  'webrtc:extension-requested': ServerEvent<FromUser & { extraS: number; expiresAt: string }>;
  /** (ext) `from` granted the extension: the call now ends at `endsAt`. */
  'webrtc:call-extended': ServerEvent<FromUser & { extraS: number; endsAt: string | null; maxDurationS: number | null }>;
  /** (ext) `from` refused the extension. */
  'webrtc:extension-declined': ServerEvent<FromUser & { extraS: number }>;
  /** (ext) `from` asks for an ICE restart: send a new offer with `createOffer({iceRestart: true})`. */
  'webrtc:restart': ServerEvent<FromUser>;
  /** (ext) The other party's (`from`) last connection dropped mid-call: the call ends unless they are back within `graceMs`. */
  'webrtc:participant-reconnecting': ServerEvent<FromUser & { graceMs: number }>;
  /** (ext) They are back within the grace. */
  'webrtc:participant-reconnected': ServerEvent<FromUser>;
  /** (ext) As this connection arrives, the call its user is placing (`CALLING`) or is in (`ACTIVE`), from caller to callee. */
  'webrtc:current-call': ServerEvent<{
    callId: string;
    from: string;
    to: string | null;
    status: 'CALLING' | 'ACTIVE';
    room_name: string | null;
  }>;
}
