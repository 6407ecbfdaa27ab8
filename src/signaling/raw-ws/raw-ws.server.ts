import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { TokenService, VerifiedConnection } from '../../auth/token.service';
import { AppError, logIfUnexpected, toErrorBody } from '../../common/errors';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ConnectionRegistry } from '../../realtime/connection-registry.service';
import { MetricsService } from '../../observability/metrics.service';
import { ConnectionAdmission } from '../../realtime/connection-admission';
import { refuseRequest } from '../../realtime/http-refusal';
import { SOCKET_IO_PATH } from '../../realtime/socket-io.adapter';
import { FrameAllowances, FrameGuard, holdWebSocket } from '../../realtime/frame-guard';
import { MessageRateLimit } from '../../realtime/message-rate-limit';
import { tokenExpiredError } from '../../realtime/socket-replies';
import { tokenFromHandshake } from '../../realtime/token-from-handshake';
import { maxFrameBytes } from '../../realtime/transport-limits';
import { ExpirySchedule } from '../../realtime/expiry-schedule';
import { RawWsConnection } from './raw-ws-connection';
import type { RawWsDialect } from './raw-ws-dialect';
import { inBackground, within } from '../../common/background';
import { KeyedQueue } from '../../common/keyed-queue';

export const RAW_WS_DIALECTS = Symbol('RAW_WS_DIALECTS');

/** How long closing the app waits for clients to answer the close before dropping them. */
const CLOSE_HANDSHAKE_MS = 1000;

/**
 * The raw-WebSocket endpoints (/ws/call/, /ws/signaling/) on the HTTP server's port. The token
 * is checked before the upgrade (?token= or Authorization), with the same verification as
 * every other transport; then each message goes to its dialect.
 */
@Injectable()
export class RawWsServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RawWebSocket');
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<RawWsConnection>();
  /** A connection whose token expires is told so in its dialect, then closed. */
  private readonly expiries = new ExpirySchedule<RawWsConnection>((connection) => {
    this.sendError(connection, connection.wire, tokenExpiredError(), undefined);
    connection.socket.close(4001, 'token expired');
  });
  private readonly inArrivalOrder = new KeyedQueue();
  /** Shared by every connection's rate limit. */
  private readonly countRateLimited = () => this.metrics.rateLimited('raw-ws-events');
  private pinger?: NodeJS.Timeout;

  constructor(
    private readonly httpHost: HttpAdapterHost,
    private readonly tokens: TokenService,
    private readonly registry: ConnectionRegistry,
    private readonly admission: ConnectionAdmission,
    private readonly allowances: FrameAllowances,
    private readonly metrics: MetricsService,
    @Inject(RAW_WS_DIALECTS) private readonly dialects: RawWsDialect[],
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes(config) });
  }

  onApplicationBootstrap(): void {
    const server = this.httpHost.httpAdapter.getHttpServer() as Server;
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Engine.IO's, by Engine.IO's own test of the path.
      if (request.url?.startsWith(`${SOCKET_IO_PATH}/`)) return;
      let path: string;
      try {
        path = new URL(request.url ?? '/', 'http://localhost').pathname.replace(/\/?$/, '/');
      } catch {
        // Node's parser takes paths no URL parser reads (`//:99999`).
        this.metrics.errorSent('raw-ws', refuseRequest(socket, new AppError('validation_failed', 'The request path cannot be read')));
        return;
      }
      const dialect = this.dialects.find((d) => d.path === path);
      // An upgrade nobody takes would wait for an answer forever.
      if (!dialect) this.metrics.errorSent('raw-ws', refuseRequest(socket, new AppError('not_found', 'Nothing here takes a WebSocket')));
      else void this.upgrade(dialect, request, socket, head);
    });
    // Keep-alive: a peer that has not answered the previous ping by the next one is dropped.
    this.pinger = setInterval(() => this.pingAll(), this.config.heartbeat.wsPingIntervalMs);
    this.pinger.unref();
  }

  /**
   * Closing the app (after a drain, or on its own): what is still connected goes away (1001) before
   * the modules after this one close, so that what each close starts still finds Redis and the
   * database open.
   */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.pinger);
    if (!(await within(CLOSE_HANDSHAKE_MS, this.closeAll(1001, 'server shutting down')))) this.dropAll();
    this.wss.close();
  }

  /**
   * Shutting down: every connection closes with 1012 (Service Restart), which tells the client to
   * reconnect (through the load balancer, to another instance). Resolves when all are closed.
   */
  sendAway(): Promise<void> {
    return this.closeAll(1012, 'server restarting: reconnect');
  }

  private async closeAll(code: number, reason: string): Promise<void> {
    await Promise.all(
      [...this.connections].map(
        (connection) =>
          new Promise<void>((done) => {
            if (connection.socket.readyState === connection.socket.CLOSED) return done();
            connection.socket.once('close', () => done());
            connection.socket.close(code, reason);
          }),
      ),
    );
  }

  /** What sendAway could not close politely in time. */
  dropAll(): void {
    for (const connection of this.connections) connection.socket.terminate();
  }

  private async upgrade(dialect: RawWsDialect, request: IncomingMessage, socket: Duplex, head: Buffer) {
    // Node stops listening for the connection's errors before it hands over an upgrade: a reset while
    // the token is checked would be an unhandled error (ws listens once it takes the connection).
    socket.on('error', () => socket.destroy());
    let verified: VerifiedConnection;
    let release: () => void;
    try {
      this.admission.checkOrigin(request);
      const ip = this.admission.clientIp(request);
      const token = tokenFromHandshake({ headers: request.headers, url: request.url });
      if (!token) throw new AppError('unauthorized', 'Missing token: connect with ?token=<JWT>');
      this.admission.checkRefusals(ip, this.tokens.claimedUserId(token));
      verified = await this.tokens.verifyConnection(token);
      release = await this.admission.admitUserConnection(verified.user.id, ip);
    } catch (error) {
      this.metrics.errorSent('raw-ws', refuseRequest(socket, error));
      return;
    }
    // Its place is held until it is booked (open), or it is gone before (an upgrade never completed).
    if (socket.destroyed) return release();
    socket.once('close', release);
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      socket.off('close', release);
      this.open(dialect, ws, socket, verified, release);
    });
  }

  private open(dialect: RawWsDialect, ws: WebSocket, transport: Duplex, verified: VerifiedConnection, releaseHold: () => void): void {
    const limit = new MessageRateLimit(this.config.limits, this.countRateLimited);
    const connection = new RawWsConnection(ws, verified.user, dialect, limit, transport);
    this.connections.add(connection);
    const expiry = this.expiries.add(connection, verified.expiresAt);
    ws.on('pong', () => (connection.alive = true));
    const guard = new FrameGuard(this.config, this.allowances.forUser(verified.user.id));
    guard.holdReadingWith((ms) => holdWebSocket(ws, ms));
    ws.on('message', (data, isBinary) => {
      const frame = readMessage(data as Buffer, isBinary, guard);
      const message = frame.message;
      // Counted as it arrives, so a flood cannot queue up behind slow messages; unreadable frames
      // count too, and only a readable one can be an ICE candidate (/ws/call/ names its messages
      // by `action`, /ws/signaling/ by `type`).
      const refused = connection.rateLimit.refusal(message && (message.action ?? message.type));
      // A client's keep-alive does not wait on a call's setup (a retry while Redis fails over).
      if (message && !refused && connection.greeted && dialect.answersAtOnce?.(message)) {
        void this.receive(connection, dialect, frame, refused);
        return;
      }
      // One message at a time per connection, so replies and relays keep the frames' order: with
      // nothing queued, a message is handled here and now, and only what it leaves pending queues.
      if (!this.inArrivalOrder.idle(connection.id)) {
        void this.inArrivalOrder.run(connection.id, async () => await this.receive(connection, dialect, frame, refused));
        return;
      }
      const pending = this.receive(connection, dialect, frame, refused);
      if (pending) void this.inArrivalOrder.run(connection.id, () => pending);
    });
    ws.on('error', () => {
      ws.terminate();
      this.admission.brokeProtocol(verified.user.id);
    });
    ws.on('close', () => {
      this.expiries.cancel(connection, expiry);
      this.connections.delete(connection);
      inBackground('unregistering a connection', this.registry.remove(connection.id));
    });
    // Booked before it is greeted or any message of its is handled (CONTRACT.md §2): a call started
    // to its user once it has heard from the server rings it.
    const greet = () => {
      connection.greeted = true;
      const greeting = dialect.greeting?.(connection);
      if (greeting && ws.readyState === ws.OPEN) connection.send(greeting);
    };
    const booking = this.registry.add(connection);
    // The registry counts it from the first step of `add`: the place held since its admission is no longer needed.
    releaseHold();
    inBackground(
      'registering a connection',
      this.inArrivalOrder.run(connection.id, () => booking.finally(greet).then(() => dialect.arrived?.(connection))),
    );
  }

  /** Handles one frame; a promise while its handling goes on (a failure is answered either way, never thrown). */
  private receive(
    connection: RawWsConnection,
    dialect: RawWsDialect,
    { message, problem }: Frame,
    refused: unknown,
  ): Promise<void> | undefined {
    try {
      if (refused) throw refused as Error;
      if (problem) throw problem;
      return dialect.handle(connection, message!)?.catch((error: unknown) => this.failed(connection, dialect, error, message));
    } catch (error) {
      this.failed(connection, dialect, error, message);
      return undefined;
    }
  }

  private failed(connection: RawWsConnection, dialect: RawWsDialect, error: unknown, message: Record<string, unknown> | undefined): void {
    logIfUnexpected(this.logger, error);
    this.sendError(connection, dialect, error, message);
  }

  private sendError(
    connection: RawWsConnection,
    dialect: RawWsDialect,
    error: unknown,
    message: Record<string, unknown> | undefined,
  ): void {
    const body = toErrorBody(error);
    this.metrics.errorSent('raw-ws', body.code);
    connection.send(dialect.renderError(body, message));
  }

  private pingAll(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        connection.socket.terminate();
        continue;
      }
      connection.alive = false;
      connection.socket.ping();
    }
  }
}

interface Frame {
  message?: Record<string, unknown>;
  problem?: AppError;
}

/** A frame as a JSON object, or the reason it is not one. */
function readMessage(data: Buffer, isBinary: boolean, guard: FrameGuard): Frame {
  const overAllowance = guard.charge(data.length);
  if (overAllowance) return { problem: overAllowance };
  if (isBinary) return { problem: new AppError('validation_failed', 'Binary frames are not accepted; send JSON text') };
  // A text frame: ws hands it over as one Buffer.
  const text = data.toString();
  const tooDeep = guard.checkNesting(text);
  if (tooDeep) return { problem: tooDeep };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problem: new AppError('validation_failed', 'A message must be valid JSON') };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { problem: new AppError('validation_failed', 'A message must be a JSON object') };
  }
  return { message: parsed as Record<string, unknown> };
}
