/// <reference lib="dom" />
import type { AckReply } from './acks.js';
import type { AnswerEvent, IceCandidateEvent, JoinedCallEvent, MediaToggledEvent, OfferEvent } from './calls-events.js';
import type { CallsServerToClientEvents } from './calls-events.js';
import type { CallsSocket, ServerToClientEvents as ServerToClient } from './sockets.js';

/**
 * The WebRTC dance of the primary dialect, for a browser: join the call's room, offer to everyone
 * already in it, answer whoever joins after, trade ICE candidates by socket id, and tell the room
 * when the camera or microphone is toggled. One RTCPeerConnection per remote socket. After this
 * device's socket reconnects (a network change), `resume()` rejoins and asks each peer for an ICE
 * restart, so media recovers without a new call. Once closed (`close()` or `leave()`), it stays
 * closed: its methods refuse with `invalid_state`; a new call needs a new PeerCall.
 *
 * It imports nothing at run time, so the demo page serves it as an ES module as it is
 * (public/demo/peer-call.js is this file, transpiled: `npm run build:demo`).
 */

export interface RemotePeer {
  socketId: string;
  userId: string;
  connection: RTCPeerConnection;
  /** The peer's media, once its first track arrived. */
  stream: MediaStream | null;
}

export interface PeerCallOptions {
  /** A socket of the calls dialect (`auth: {dialect: "calls"}`), signed in. */
  socket: CallsSocket;
  callId: string;
  /** Camera and/or microphone; its tracks go to every peer. */
  localStream: MediaStream;
  /** From `GET /calls/ice-servers`. */
  iceServers?: RTCIceServer[];
  userName?: string;
  onRemoteStream?: (peer: RemotePeer, stream: MediaStream) => void;
  onPeerLeft?: (peer: RemotePeer) => void;
  onPeerMediaToggled?: (peer: RemotePeer, kind: 'video' | 'audio', enabled: boolean) => void;
  onConnectionStateChange?: (peer: RemotePeer, state: RTCPeerConnectionState) => void;
  /** A step that failed after the fact (an answer the server refused, a description the browser rejected). */
  onError?: (error: unknown) => void;
}

/** Thrown when the server refuses a step: carries the contract's error code. */
export class SignalingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SignalingError';
  }
}

export class PeerCall {
  readonly peers = new Map<string, RemotePeer>();
  private readonly pendingCandidates = new Map<string, RTCIceCandidateInit[]>();
  private stopListening = (): void => undefined;
  private closed = false;

  constructor(private readonly options: PeerCallOptions) {}

  /** The call this media belongs to. */
  get callId(): string {
    return this.options.callId;
  }

  /** Joins the room and offers to everyone already in it (whoever joins later offers to us); resolves with the room as joined. */
  async join(): Promise<JoinedCallEvent> {
    const { callId, localStream, userName } = this.options;
    this.assertOpen();
    this.listenToRoom();
    const joined = ackData(
      await this.options.socket.emitWithAck('joinCall', {
        callId,
        hasVideo: localStream.getVideoTracks().length > 0,
        hasAudio: localStream.getAudioTracks().length > 0,
        ...(userName ? { userName } : {}),
      }),
    );
    await this.offerToParticipants(joined.participants);
    return joined;
  }

  /**
   * After this socket reconnected mid-call (it is a new connection to the server, and may be on a
   * new network): asks each peer for an ICE restart, then rejoins the room. Each peer moves its
   * connection to this new socket and offers again with fresh ICE credentials, which this side
   * answers as usual. Asked first, so that the room's news that the old socket left finds the
   * peer already moved (and does not close its connection).
   *
   * A peer whose socket is gone too (both sides reconnected, as after a server restart) cannot be
   * asked: its connection is dropped, and after rejoining this side offers afresh to whoever of the
   * room it has no peer for (or, joining first, is offered to by the other side when it rejoins).
   */
  async resume(): Promise<void> {
    const { callId, localStream, userName } = this.options;
    this.assertOpen();
    const gone = new Set<string>();
    for (const peer of [...this.peers.values()]) {
      try {
        ackData(await this.options.socket.emitWithAck('iceRestart', { targetSocketId: peer.socketId }));
      } catch (error) {
        // Its socket is gone too: nobody to ask, so its connection goes. Whatever the refusal, the
        // rejoin below must still happen, or the call ends.
        if (!isGone(error)) this.options.onError?.(error);
        else {
          gone.add(peer.socketId);
          this.drop(peer.socketId, false);
        }
      }
    }
    // Left meanwhile (leave() during the restarts above): rejoining would bring back a ghost.
    this.assertOpen();
    const joined = ackData(
      await this.options.socket.emitWithAck('joinCall', {
        callId,
        hasVideo: localStream.getVideoTracks().some((track) => track.enabled),
        hasAudio: localStream.getAudioTracks().some((track) => track.enabled),
        ...(userName ? { userName } : {}),
      }),
    );
    // Peers still here restart ICE at our asking. The room lists a dropped socket until the grace
    // runs out: only its user's new socket, if it is back, is offered to.
    const unmatched = joined.participants.filter(({ socketId, userId }) => !gone.has(socketId) && !this.hasPeerOf(userId));
    await this.offerToParticipants(unmatched);
  }

  /** Turns the camera on or off here, and tells the room; refused when this call has no camera. */
  async setVideoEnabled(enabled: boolean): Promise<void> {
    if (!this.mayToggle(this.options.localStream.getVideoTracks(), enabled, 'camera')) return;
    ackData(await this.options.socket.emitWithAck('toggleVideo', { callId: this.options.callId, enabled }));
  }

  /** Mutes or unmutes the microphone here, and tells the room; refused when this call has no microphone. */
  async setAudioEnabled(enabled: boolean): Promise<void> {
    if (!this.mayToggle(this.options.localStream.getAudioTracks(), enabled, 'microphone')) return;
    ackData(await this.options.socket.emitWithAck('toggleAudio', { callId: this.options.callId, enabled }));
  }

  /** Leaves the room (the call ends when its last participant leaves) and closes every connection. */
  async leave(): Promise<void> {
    this.close();
    ackData(await this.options.socket.emitWithAck('leaveCall', { callId: this.options.callId }));
  }

  /** Closes every connection and stops listening, without telling the server (the call already closed). */
  close(): void {
    this.closed = true;
    this.stopListening();
    for (const socketId of [...this.peers.keys()]) this.drop(socketId, false);
  }

  /** Refuses work once closed: a closed call has no connections to use, and would otherwise make new ones. */
  private assertOpen(): void {
    if (this.closed) throw new SignalingError('invalid_state', 'This call was closed');
  }

  /**
   * Whether to switch `tracks` and tell the room. With no track of the kind there is nothing to
   * switch: turning it on is refused (the room would show a camera that is not there), off is a no-op.
   */
  private mayToggle(tracks: MediaStreamTrack[], enabled: boolean, device: string): boolean {
    this.assertOpen();
    if (tracks.length === 0) {
      if (enabled) throw new SignalingError('invalid_state', `This call has no ${device}`);
      return false;
    }
    for (const track of tracks) track.enabled = enabled;
    return true;
  }

  /**
   * Offers to each of `participants`. One whose socket turns out gone (the room keeps it for the
   * grace) is skipped: its user offers to us when it rejoins.
   */
  private async offerToParticipants(participants: JoinedCallEvent['participants']): Promise<void> {
    for (const { socketId, userId } of participants) {
      if (this.closed) return; // closed while joining
      // The room may list a user's old socket (kept for the grace) next to their new one: one peer each.
      if (this.hasPeerOf(userId)) continue;
      try {
        await this.offerTo(socketId, userId);
      } catch (error) {
        if (!isGone(error)) throw error;
        this.drop(socketId, false);
      }
    }
  }

  private hasPeerOf(userId: string): boolean {
    return [...this.peers.values()].some((peer) => peer.userId === userId);
  }

  private async offerTo(socketId: string, userId: string): Promise<void> {
    const { connection } = this.peerFor(socketId, userId);
    await connection.setLocalDescription(await connection.createOffer());
    ackData(await this.options.socket.emitWithAck('offer', { targetSocketId: socketId, signal: connection.localDescription!.toJSON() }));
  }

  /** A peer asks for an ICE restart (its network changed): offer to it again with fresh ICE credentials. */
  private async onRestart(event: Parameters<CallsServerToClientEvents['iceRestart']>[0]): Promise<void> {
    if (event.callId !== this.options.callId) return;
    const peer = this.peerOf(event.senderId, event.userId);
    if (!peer) return this.offerTo(event.senderId, event.userId);
    await peer.connection.setLocalDescription(await peer.connection.createOffer({ iceRestart: true }));
    ackData(
      await this.options.socket.emitWithAck('offer', { targetSocketId: peer.socketId, signal: peer.connection.localDescription!.toJSON() }),
    );
  }

  /**
   * The peer a signal comes from: by its socket, or, when its user came back on a new socket (one
   * peer per user in a 1:1 call), the same peer, now reached at the new socket.
   */
  private peerOf(socketId: string, userId: string): RemotePeer | undefined {
    const known = this.peers.get(socketId);
    if (known) return known;
    const moved = [...this.peers.values()].find((peer) => peer.userId === userId);
    if (!moved) return undefined;
    this.peers.delete(moved.socketId);
    this.pendingCandidates.delete(moved.socketId);
    moved.socketId = socketId;
    this.peers.set(socketId, moved);
    return moved;
  }

  private async onOffer(event: OfferEvent<RTCSessionDescriptionInit>): Promise<void> {
    if (event.callId !== this.options.callId) return;
    // An offer of another session (their side made a new connection, after a restart) cannot
    // renegotiate the old one: the old one goes, and a new one answers.
    const known = this.peerOf(event.senderId, event.userId);
    const current = known?.connection.remoteDescription?.sdp;
    if (known && current && sessionOf(current) !== sessionOf(event.offer.sdp ?? '')) this.drop(known.socketId, false);
    const { connection } = this.peerFor(event.senderId, event.userId);
    await connection.setRemoteDescription(event.offer);
    await this.flushCandidates(event.senderId, connection);
    await connection.setLocalDescription(await connection.createAnswer());
    ackData(
      await this.options.socket.emitWithAck('answer', { targetSocketId: event.senderId, signal: connection.localDescription!.toJSON() }),
    );
  }

  private async onAnswer(event: AnswerEvent<RTCSessionDescriptionInit>): Promise<void> {
    const peer = this.peerOf(event.senderId, event.userId);
    if (!peer || event.callId !== this.options.callId) return;
    await peer.connection.setRemoteDescription(event.answer);
    await this.flushCandidates(event.senderId, peer.connection);
  }

  private async onCandidate(event: IceCandidateEvent<RTCIceCandidateInit>): Promise<void> {
    if (event.callId !== this.options.callId) return;
    const connection = this.peerOf(event.senderId, event.userId)?.connection;
    // Candidates can only be added once the remote description is known; keep them until then.
    if (!connection?.remoteDescription) {
      this.pendingCandidates.set(event.senderId, [...(this.pendingCandidates.get(event.senderId) ?? []), event.candidate]);
      return;
    }
    await connection.addIceCandidate(event.candidate);
  }

  private async flushCandidates(socketId: string, connection: RTCPeerConnection): Promise<void> {
    const pending = this.pendingCandidates.get(socketId) ?? [];
    this.pendingCandidates.delete(socketId);
    // One candidate the browser cannot use must not cost the answer: the others may well connect.
    for (const candidate of pending) await connection.addIceCandidate(candidate).catch((error: unknown) => this.options.onError?.(error));
  }

  private onToggled(event: MediaToggledEvent, kind: 'video' | 'audio'): void {
    const peer = this.peerOf(event.socketId, event.userId);
    if (peer && event.callId === this.options.callId) this.options.onPeerMediaToggled?.(peer, kind, event.enabled);
  }

  private peerFor(socketId: string, userId: string): RemotePeer {
    const known = this.peerOf(socketId, userId);
    if (known) return known;
    this.assertOpen();
    const connection = new RTCPeerConnection({ iceServers: this.options.iceServers ?? [] });
    const peer: RemotePeer = { socketId, userId, connection, stream: null };
    this.peers.set(socketId, peer);
    for (const track of this.options.localStream.getTracks()) connection.addTrack(track, this.options.localStream);
    connection.onicecandidate = ({ candidate }) => {
      if (candidate)
        this.background(
          // The peer's socket as it is now: a peer that reconnected is reached at its new one.
          this.options.socket
            .emitWithAck('iceCandidate', { targetSocketId: peer.socketId, candidate: candidate.toJSON() })
            .then((reply) => {
              // Refused for a peer dropped meanwhile: nobody is left to tell.
              if (this.peers.get(peer.socketId) === peer) ackData(reply);
            }),
        );
    };
    connection.ontrack = ({ streams }) => {
      const stream = streams[0];
      if (!stream || peer.stream === stream) return;
      peer.stream = stream;
      this.options.onRemoteStream?.(peer, stream);
    };
    connection.onconnectionstatechange = () => this.options.onConnectionStateChange?.(peer, connection.connectionState);
    return peer;
  }

  private drop(socketId: string, notify = true): void {
    const peer = this.peers.get(socketId);
    if (!peer) return;
    this.peers.delete(socketId);
    this.pendingCandidates.delete(socketId);
    peer.connection.close();
    if (notify) this.options.onPeerLeft?.(peer);
  }

  /** Listens to the room's signals and media toggles until `close()`. */
  private listenToRoom(): void {
    const { socket } = this.options;
    this.stopListening(); // joined again: one set of listeners, not two
    const offer: ServerToClient['offer'] = (e) => this.background(this.onOffer(e as OfferEvent<RTCSessionDescriptionInit>));
    const answer: ServerToClient['answer'] = (e) => this.background(this.onAnswer(e as AnswerEvent<RTCSessionDescriptionInit>));
    const candidate: ServerToClient['iceCandidate'] = (e) => this.background(this.onCandidate(e as IceCandidateEvent<RTCIceCandidateInit>));
    const restart: ServerToClient['iceRestart'] = (e) => this.background(this.onRestart(e));
    const left: ServerToClient['participantLeft'] = (e) => this.drop(e.socketId);
    const video: ServerToClient['participantVideoToggled'] = (e) => this.onToggled(e, 'video');
    const audio: ServerToClient['participantAudioToggled'] = (e) => this.onToggled(e, 'audio');
    socket.on('offer', offer).on('answer', answer).on('iceCandidate', candidate).on('iceRestart', restart);
    socket.on('participantLeft', left).on('participantVideoToggled', video).on('participantAudioToggled', audio);
    this.stopListening = () => {
      socket.off('offer', offer).off('answer', answer).off('iceCandidate', candidate).off('iceRestart', restart);
      socket.off('participantLeft', left).off('participantVideoToggled', video).off('participantAudioToggled', audio);
    };
  }

  private background(work: unknown): void {
    // Work cut short by close() is no error: the call is over.
    Promise.resolve(work).catch((error: unknown) => this.closed || this.options.onError?.(error));
  }
}

/** The session an SDP belongs to (its `o=` line's session id): the same for every offer of one RTCPeerConnection. */
function sessionOf(sdp: string): string | undefined {
  return /^o=\S+ (\S+)/m.exec(sdp)?.[1];
}

/** The server's answer when the socket addressed is no longer connected (its page reconnected or went). */
function isGone(error: unknown): boolean {
  return error instanceof SignalingError && error.code === 'not_found';
}

/** An acknowledgement's data; a refusal is thrown as a `SignalingError` with the server's code and message. */
export function ackData<Data extends object>(reply: AckReply<Data>): Data {
  if (!reply.ok) throw new SignalingError(reply.error.code, reply.error.message);
  return reply;
}
