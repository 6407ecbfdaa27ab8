import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Server, Socket } from 'socket.io';
import { TokenService, VerifiedConnection } from '../auth/token.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { inBackground } from '../common/background';
import { AppError, logIfUnexpected, toErrorBody } from '../common/errors';
import { ConnectionUser } from '../auth/auth-user';
import { tokenFromHandshake } from './token-from-handshake';
import { MetricsService } from '../observability/metrics.service';
import { ConnectionAdmission } from './connection-admission';
import { FrameAllowances } from './frame-guard';
import { frameGuardOf, refusedBeforeParsing } from './guarded-parser';
import { MessageRateLimit } from './message-rate-limit';
import { closedForBreach, dropSession, holdSession } from './socket-io.adapter';
import { listensTo } from './gateway-handlers';
import { ExpirySchedule } from './expiry-schedule';
import { ackOf, SocketReplies, tokenExpiredError, unauthorizedError } from './socket-replies';
import { AppEvents } from '../events/app-events';

export interface SocketData {
  user?: ConnectionUser;
  authTimer?: NodeJS.Timeout;
  /** Its place in the expiry schedule, while its token has an expiry. */
  expirySlot?: number;
}

const noop = (): void => undefined;

/** An incoming event as Socket.IO's middleware sees it: its name, then its arguments (an ack last). */
export type SocketPacket = [event: string, ...args: unknown[]];

export function socketUser(socket: Socket): ConnectionUser | undefined {
  return (socket.data as SocketData).user;
}

/** The authenticated user and this connection, as the call core takes them. */
export function socketActor(socket: Socket): { userId: string; connectionId: string } {
  return { userId: socketUser(socket)!.id, connectionId: socket.id };
}

/**
 * Authenticates Socket.IO connections: a token in the handshake (auth.token, Authorization
 * header, ?token=) is checked before the connection is accepted; without one the socket has
 * SOCKET_AUTH_TIMEOUT_MS to send `authenticate {token}` and may send nothing else meanwhile.
 */
@Injectable()
export class SocketAuthService {
  private readonly logger = new Logger('Socket');
  /** Shared by every socket's rate limit. */
  private readonly countRateLimited = () => this.metrics.rateLimited('socket.io-events');
  /**
   * Listens for a connection dropped for breaking the protocol, on every socket (called with the
   * socket as `this`): "error" for a packet Socket.IO cannot read (clients cannot send "error"
   * here, the gate refuses it as an unknown event), and "disconnect" for Engine.IO's reasons of
   * the kind (closedForBreach).
   */
  private readonly brokeProtocol: (this: Socket, reason?: unknown, description?: unknown) => void;
  /** A socket whose token expires is told so, then disconnected. */
  private readonly expiries = new ExpirySchedule<Socket>((socket) => {
    this.replies.error(socket, undefined, undefined, tokenExpiredError());
    socket.disconnect(true);
  });
  /**
   * The one disconnect listener of this service (the emitter calls it with the socket as `this`, so
   * every socket shares it): a third listener of an event would cost an idle socket a larger array.
   */
  private readonly disconnected: (this: Socket, reason: unknown, description?: unknown) => void;

  /** What else sees the packets of authenticated sockets that pass the gate (see readEveryPacket). */
  private readonly packetReaders: Array<(socket: Socket, packet: SocketPacket) => void> = [];
  /** Events handled straight on the socket rather than by a gateway (see handleDirectly). */
  private readonly directListeners = new Map<string, (this: Socket, ...args: unknown[]) => void>();
  /** Sockets admitted at the handshake and not yet booked: what releases the place each holds (see admitNew). */
  private readonly holds = new WeakMap<Socket, () => void>();

  constructor(
    private readonly tokens: TokenService,
    private readonly admission: ConnectionAdmission,
    private readonly allowances: FrameAllowances,
    private readonly metrics: MetricsService,
    private readonly replies: SocketReplies,
    private readonly events: AppEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.brokeProtocol = function (this: Socket, reason?: unknown, description?: unknown) {
      if (!(reason instanceof Error || closedForBreach(reason, description))) return;
      const user = socketUser(this);
      if (user) admission.brokeProtocol(user.id);
      // Socket.IO closes the connection after a packet it cannot read, politely (Engine.IO's own
      // reasons are dropped by the adapter's close listener).
      if (reason instanceof Error) dropSession(this.conn);
    };
    const expiries = this.expiries;
    const brokeProtocol = this.brokeProtocol;
    this.disconnected = function (this: Socket, reason: unknown, description?: unknown) {
      const data = this.data as SocketData;
      clearTimeout(data.authTimer);
      expiries.cancel(this, data.expirySlot);
      brokeProtocol.call(this, reason, description);
    };
  }

  install(server: Server): void {
    server.use((socket, next) => {
      const token = tokenFromHandshake(socket.handshake);
      if (!token) return next();
      this.admitNew(socket, token).then(
        ({ verified, release }) => {
          // Released as it is booked (announce), or with its session if it closes before (or did
          // while the token was checked: Socket.IO then drops the socket without a word).
          if (socket.conn.readyState !== 'open') release();
          else {
            this.holds.set(socket, release);
            socket.conn.once('close', release);
          }
          // Checked: the socket need not keep it for its whole life.
          delete (socket.handshake.auth as { token?: unknown }).token;
          (socket.data as SocketData).user = verified.user;
          // A session that closed meanwhile is dropped by Socket.IO with no disconnect to cancel this.
          if (socket.conn.readyState === 'open') this.scheduleExpiry(socket, verified.expiresAt);
          next();
        },
        (error: unknown) => {
          const body = toErrorBody(error);
          next(Object.assign(new Error(body.message), { data: body }));
        },
      );
    });
  }

  /**
   * Called for every new connection, before any gateway sees its events. Every incoming event
   * passes one gate: within the rate limit, authenticated (or `authenticate` itself), and handled
   * by some gateway or direct handler; an event nothing handles gets `validation_failed` rather
   * than silence, which would leave a client waiting for its ack forever.
   */
  onConnection(socket: Socket): void {
    const rateLimit = new MessageRateLimit(this.config.limits, this.countRateLimited);
    frameGuardOf(socket)?.holdReadingWith((ms) => holdSession(socket.conn, ms));
    // Every packet passes here: nothing is copied unless it is refused.
    socket.use((packet, next) => {
      const event = packet[0];
      try {
        rateLimit.check(event);
        if (!socketUser(socket) && event !== 'authenticate') throw unauthorizedError();
        const refused = refusedBeforeParsing(packet[1]);
        if (refused) throw refused;
        // Some gateway or listener handles the event ("error" is Socket.IO's own).
        if (event === 'error' || !this.handles(socket, String(event))) throw unknownEventError(String(event));
        if (socketUser(socket)) for (const read of this.packetReaders) read(socket, packet);
      } catch (error) {
        logIfUnexpected(this.logger, error);
        this.replies.error(socket, String(event), ackOf(packet.slice(1)), error);
        return;
      }
      next();
    });
    socket.on('disconnect', this.disconnected);
    socket.on('error', this.brokeProtocol);
    if (socketUser(socket)) {
      inBackground('announcing a connection', this.announce(socket, this.takeHold(socket)));
      return;
    }
    (socket.data as SocketData).authTimer = setTimeout(() => {
      if (socketUser(socket)) return;
      this.replies.error(socket, undefined, undefined, unauthorizedError('Authentication timed out'));
      socket.disconnect(true);
    }, this.config.socketAuthTimeoutMs);
  }

  /**
   * `read` sees every packet of an authenticated socket that passed the gate, before the event's
   * listener, and may rewrite it. One middleware a socket, whatever reads its packets: each is a
   * closure an idle socket would keep.
   */
  readEveryPacket(read: (socket: Socket, packet: SocketPacket) => void): void {
    this.packetReaders.push(read);
  }

  /**
   * Handles `event` on every socket with `listener` (called with the socket as `this`), outside
   * Nest's pipeline. As a gateway event's, the listener is added when a socket first sends the
   * event, once it passed the gate: an idle socket keeps none. A gateway's handler for the same
   * event would be asked first (the gate's listensTo), so an event has one or the other.
   */
  handleDirectly(event: string, listener: (this: Socket, ...args: unknown[]) => void): void {
    if (this.directListeners.has(event)) throw new Error(`Two direct handlers for "${event}"`);
    this.directListeners.set(event, listener);
  }

  /** Whether some gateway or direct handler takes `event`, its listener added to the socket if it was not yet. */
  private handles(socket: Socket, event: string): boolean {
    if (listensTo(socket, event)) return true;
    const listener = this.directListeners.get(event);
    if (listener) socket.on(event, listener);
    return listener !== undefined;
  }

  /** The `authenticate` event; a connected user may also send it again to refresh the token. */
  async authenticate(socket: Socket, token: unknown): Promise<{ socketId: string; userId: string }> {
    if (typeof token !== 'string' || !token) {
      throw new AppError('validation_failed', 'token is required', { token: ['token must be a non-empty string'] });
    }
    const admitted = socketUser(socket) ? undefined : await this.admitNew(socket, token);
    try {
      const verified = admitted?.verified ?? (await this.tokens.verifyConnection(token));
      // Read after the verification: of two `authenticate` events verified at once, the first announces.
      const announced = socketUser(socket);
      if (announced && announced.id !== verified.user.id)
        throw new AppError('forbidden', 'This connection is authenticated as another user');
      const data = socket.data as SocketData;
      data.user = verified.user;
      clearTimeout(data.authTimer);
      data.authTimer = undefined;
      // Its disconnect may have come while the token was checked, with no expiry to cancel then.
      if (socket.connected) this.scheduleExpiry(socket, verified.expiresAt);
      if (!announced) await this.announce(socket, admitted?.release ?? noop);
      return { socketId: socket.id, userId: verified.user.id };
    } finally {
      // The second of two `authenticate` events at once is not announced: its place goes here.
      admitted?.release();
    }
  }

  /**
   * A token for a new connection of its user, within MAX_CONNECTIONS_PER_USER: admitted, it holds a
   * place until `release` (see ConnectionAdmission.admitUserConnection).
   */
  private async admitNew(socket: Socket, token: string): Promise<{ verified: VerifiedConnection; release: () => void }> {
    const ip = this.admission.clientIp(socket.request);
    this.admission.checkRefusals(ip, this.tokens.claimedUserId(token));
    const verified = await this.tokens.verifyConnection(token);
    return { verified, release: await this.admission.admitUserConnection(verified.user.id, ip) };
  }

  /** The release of the place a socket admitted at the handshake holds, taken over from its session's close. */
  private takeHold(socket: Socket): () => void {
    const release = this.holds.get(socket) ?? noop;
    this.holds.delete(socket);
    socket.conn.off('close', release);
    return release;
  }

  /**
   * Books the connection, then tells it it is authenticated (CONTRACT.md §2): a call started to
   * its user once it has been told rings it, on whichever instance the call starts.
   */
  private async announce(socket: Socket, releaseHold: () => void): Promise<void> {
    // Gone while its token was checked: booked now, it would never be unbooked.
    if (!socket.connected) return releaseHold();
    const user = socketUser(socket)!;
    let booking: Promise<void>;
    try {
      this.admission.sessionSettled(socket.conn);
      frameGuardOf(socket)?.useAllowance(this.allowances.forUser(user.id));
      void socket.join(`user:${user.id}`);
      booking = this.events.emitAndWait('socket.authenticated', { socket, user });
    } finally {
      // The listeners start at once, and the registry counts a connection from the first step of its
      // booking (SocketIoConnections): the place held since its admission is no longer needed.
      releaseHold();
    }
    await booking;
    socket.emit('authenticated', { socketId: socket.id, userId: user.id });
  }

  private scheduleExpiry(socket: Socket, expiresAt: number | null): void {
    const data = socket.data as SocketData;
    this.expiries.cancel(socket, data.expirySlot);
    data.expirySlot = this.expiries.add(socket, expiresAt);
  }
}

function unknownEventError(name: string): AppError {
  const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
  return new AppError('validation_failed', `Unknown event ${JSON.stringify(shown)}`, { event: ['is not an event of this server'] });
}
