import type { CallsServerToClientEvents, IncomingCallEvent } from './calls-events.js';
import type { CallView } from './models.js';
import { ackData, SignalingError } from './peer-call.js';
import type { CallsSocket } from './sockets.js';

/**
 * Where a user's one call stands, from the calls dialect's events, for a UI to render: no call,
 * placing one, being called, or in one. It knows nothing of media (that is `PeerCall`) and works
 * wherever socket.io-client and `fetch` do; `useCall` (the `/react` entry) wraps it for React.
 */
export type CallPhase = 'idle' | 'outgoing' | 'incoming' | 'active';

export interface CallSnapshot {
  phase: CallPhase;
  /** The call placed, ringing or under way; null when idle. */
  callId: string | null;
  /** The call as the server last described it (after `start`, `accept` or a resume); null when idle or only rung. */
  call: CallView | null;
  /** Who is calling, while `incoming`. */
  incoming: IncomingCallEvent | null;
  /** How the last call closed: `declined`, `cancelled`, `timeout`, `offline`, `answered_elsewhere` (on another device of this user), or `callEnded`'s reason. */
  lastEnd: { callId: string; reason: string } | null;
  /**
   * (ext) While the other party's connection is gone mid-call: when the call ends unless they are
   * back (ms since the epoch, by this device's clock). Show "reconnecting…"; null otherwise.
   */
  peerReconnectingUntil: number | null;
}

export interface CallControllerOptions {
  /** A socket of the calls dialect (`auth: {dialect: "calls"}`). */
  socket: CallsSocket;
  /** The signed-in user: tells a resumed call placed by this user from one received. */
  userId: string;
  /**
   * The server's base URL (`https://calls.example.com`, or with a path where a proxy mounts it,
   * `https://example.com/signal`): an active call ends over REST, `DELETE /calls/:id`.
   */
  serverUrl: string;
  /** The bearer token, or a function returning the current one. */
  token: string | (() => string);
}

/** No call, and none closed yet: where every controller starts. */
export const IDLE_CALL: CallSnapshot = Object.freeze({
  phase: 'idle',
  callId: null,
  call: null,
  incoming: null,
  lastEnd: null,
  peerReconnectingUntil: null,
});

export class CallController {
  private snapshot: CallSnapshot = IDLE_CALL;
  private readonly listeners = new Set<() => void>();
  private readonly stopListening: () => void;

  constructor(private readonly options: CallControllerOptions) {
    this.stopListening = this.listenToCalls();
    // Made after its socket connected, it may have missed `currentCall`: ask instead.
    if (options.socket.connected) this.refresh().catch(() => undefined);
  }

  /** The current state; a new object after every change (what React's `useSyncExternalStore` compares). */
  readonly getSnapshot = (): CallSnapshot => this.snapshot;

  /** Calls `listener` after every change; returns the unsubscribe. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Places a call. A callee who is offline closes it at once (`lastEnd.reason` "offline"). */
  async start(recipientUserId: string, options: { hasVideo?: boolean; title?: string; maxDurationS?: number } = {}): Promise<CallView> {
    const { call } = ackData(await this.options.socket.emitWithAck('startCall', { recipientUserId, ...options }));
    if (this.snapshot.lastEnd?.callId === call.id) return call; // closed before its ack came
    if (call.status === 'MISSED') this.closed(call.id, 'offline');
    // Glare: the recipient was calling this user, and this start answered that call.
    else this.update({ phase: call.status === 'ACTIVE' ? 'active' : 'outgoing', callId: call.id, call, incoming: null });
    return call;
  }

  /** Accepts the call ringing here. */
  async accept(): Promise<CallView> {
    const { call } = ackData(await this.options.socket.emitWithAck('acceptCall', { callId: this.current('incoming') }));
    if (this.snapshot.lastEnd?.callId !== call.id) this.update({ phase: 'active', callId: call.id, call, incoming: null });
    return call;
  }

  /** Declines the call ringing here. (The device that acts hears its ack, not the event the others hear.) */
  async decline(): Promise<void> {
    const callId = this.current('incoming');
    ackData(await this.options.socket.emitWithAck('declineCall', { callId }));
    this.ended(callId, 'declined');
  }

  /** Ends whatever call there is: cancels one being placed, declines one ringing, ends one under way for both. */
  async hangUp(): Promise<void> {
    const { phase, callId } = this.snapshot;
    if (!callId) return;
    if (phase === 'incoming') return this.decline();
    if (phase === 'outgoing') {
      ackData(await this.options.socket.emitWithAck('cancelCall', { callId }));
      return this.ended(callId, 'cancelled');
    }
    await this.rest('DELETE', `/calls/${encodeURIComponent(callId)}`);
    // Ended here: `hangup`, whether the server's `callEnded` arrived before the answer or comes after it.
    this.ended(callId, 'hangup');
  }

  /** Asks the server for the user's open call (`GET /calls/user/current`), as after a reload. */
  async refresh(): Promise<void> {
    const call = (await this.rest('GET', '/calls/user/current')) as CallView | null;
    if (call) this.resume(call);
    else if (this.snapshot.phase !== 'idle') this.update({ ...IDLE_CALL, lastEnd: this.snapshot.lastEnd });
  }

  /** Stops listening to the socket (the socket stays open). */
  close(): void {
    this.stopListening();
    this.listeners.clear();
  }

  private listenToCalls(): () => void {
    const { socket } = this.options;
    const incoming: CallsServerToClientEvents['incomingCall'] = (event) => {
      // One call at a time: the server already told a second caller this user is busy.
      if (this.snapshot.phase === 'idle') this.update({ phase: 'incoming', callId: event.callId, call: null, incoming: event });
    };
    const current: CallsServerToClientEvents['currentCall'] = ({ call }) => this.resume(call);
    const acceptedHere: CallsServerToClientEvents['callAccepted'] = ({ callId, acceptedBy }) => {
      if (callId !== this.snapshot.callId) return;
      // Ringing here and answered by this user on another device: the call goes on there.
      if (this.snapshot.phase === 'incoming' && acceptedBy === this.options.userId) return this.closed(callId, 'answered_elsewhere');
      this.update({ phase: 'active', incoming: null });
      // The call as it now stands (answered, its start and end): the event names only who answered.
      void this.described(callId).catch(() => undefined);
    };
    const declined: CallsServerToClientEvents['callDeclined'] = ({ callId }) => this.closed(callId, 'declined');
    const cancelled: CallsServerToClientEvents['callCancelled'] = ({ callId }) => this.closed(callId, 'cancelled');
    const missed: CallsServerToClientEvents['callMissed'] = ({ callId, reason }) => this.closed(callId, reason);
    const ended: CallsServerToClientEvents['callEnded'] = ({ callId, reason }) => this.closed(callId, reason);
    const peerGone: CallsServerToClientEvents['participantReconnecting'] = ({ callId, graceMs }) => {
      if (callId === this.snapshot.callId) this.update({ peerReconnectingUntil: Date.now() + graceMs });
    };
    const peerBack: CallsServerToClientEvents['participantReconnected'] = ({ callId }) => {
      if (callId === this.snapshot.callId) this.update({ peerReconnectingUntil: null });
    };
    // (ext) More time granted: the call ends later.
    const extended: CallsServerToClientEvents['callExtended'] = ({ callId, endsAt, maxDurationS }) => {
      const { call } = this.snapshot;
      if (call && callId === call.id) this.update({ call: { ...call, endsAt, maxDurationS } });
    };
    socket.on('incomingCall', incoming).on('currentCall', current).on('callAccepted', acceptedHere);
    socket.on('callDeclined', declined).on('callCancelled', cancelled).on('callMissed', missed).on('callEnded', ended);
    socket.on('participantReconnecting', peerGone).on('participantReconnected', peerBack).on('callExtended', extended);
    // Back after a drop: what it missed meanwhile (a call ended, cancelled) the server does not repeat.
    const reconnected = () => void this.refresh().catch(() => undefined);
    socket.on('connect', reconnected);
    return () => {
      socket.off('connect', reconnected);
      socket.off('incomingCall', incoming).off('currentCall', current).off('callAccepted', acceptedHere);
      socket.off('callDeclined', declined).off('callCancelled', cancelled).off('callMissed', missed).off('callEnded', ended);
      socket.off('participantReconnecting', peerGone).off('participantReconnected', peerBack).off('callExtended', extended);
    };
  }

  /** The server's view of a call of this controller's, taken unless the call closed or changed meanwhile. */
  private async described(callId: string): Promise<void> {
    const call = (await this.rest('GET', `/calls/${encodeURIComponent(callId)}`)) as CallView;
    if (this.snapshot.callId === callId && this.snapshot.lastEnd?.callId !== callId) this.update({ call });
  }

  /** Takes up a call the user is already in: placed (or being rung) and not yet answered, or under way. */
  private resume(call: CallView): void {
    if (this.snapshot.lastEnd?.callId === call.id) return; // a late answer about a call that closed since
    const phase = call.status === 'ACTIVE' ? 'active' : call.hostUserId === this.options.userId ? 'outgoing' : 'incoming';
    const { host } = call;
    const incoming =
      phase === 'incoming'
        ? {
            callId: call.id,
            caller: { userId: host.id, name: host.displayName, avatarUrl: host.avatarUrl },
            timestamp: call.createdAt,
            hasVideo: call.hasVideo,
          }
        : null;
    this.update({ phase, callId: call.id, call, incoming });
  }

  /** A REST request as the user; a refusal is thrown with the server's code. Null for 204. */
  private async rest(method: 'GET' | 'DELETE', path: string): Promise<unknown> {
    const { serverUrl, token } = this.options;
    const response = await fetch(endpoint(serverUrl, path), {
      method,
      headers: { authorization: `Bearer ${currentToken(token)}` },
    });
    const body: unknown = response.status === 204 ? null : await response.json().catch(() => null);
    if (response.ok) return body;
    const { code, message } = (body ?? {}) as { code?: string; message?: string };
    throw new SignalingError(code ?? 'internal', message ?? `${method} ${path} answered ${response.status}`);
  }

  /** The call of this phase, or a refusal naming what is missing. */
  private current(phase: CallPhase): string {
    if (this.snapshot.phase !== phase || !this.snapshot.callId) throw new SignalingError('invalid_state', `No ${phase} call`);
    return this.snapshot.callId;
  }

  /** The server says a call closed; a call that already closed keeps the reason it closed with. */
  private closed(callId: string, reason: string): void {
    if (this.snapshot.lastEnd?.callId !== callId) this.ended(callId, reason);
  }

  private ended(callId: string, reason: string): void {
    if (callId === this.snapshot.callId || this.snapshot.phase === 'idle') this.update({ ...IDLE_CALL, lastEnd: { callId, reason } });
  }

  private update(change: Partial<CallSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const listener of this.listeners) listener();
  }
}

/**
 * `path` under the server's base URL, keeping the base's own path: `new URL('/calls/1', 'https://host/signal')`
 * alone would give `https://host/calls/1`. With or without a trailing slash on the base.
 */
function endpoint(serverUrl: string, path: string): URL {
  const base = new URL(serverUrl);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL(path.replace(/^\/+/, ''), base);
}

/** The token to send now: the one given, or what the given function returns. */
export function currentToken(token: CallControllerOptions['token']): string {
  return typeof token === 'function' ? token() : token;
}
