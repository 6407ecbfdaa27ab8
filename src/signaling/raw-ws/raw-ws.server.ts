import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { RawData, WebSocket, WebSocketServer } from 'ws';
import { TokenService, VerifiedToken } from '../../auth/token.service';
import { AppError, toErrorBody } from '../../common/errors';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ConnectionRegistry } from '../../realtime/connection-registry.service';
import { tokenFromHandshake } from '../../realtime/token-from-handshake';
import { RawWsConnection } from './raw-ws-connection';
import type { RawWsDialect } from './raw-ws-dialect';
import { inBackground } from '../../common/background';

export const RAW_WS_DIALECTS = Symbol('RAW_WS_DIALECTS');

/** Room for the JSON envelope around the largest signaling payload. */
const FRAME_OVERHEAD_BYTES = 16_384;
const MAX_TIMER_MS = 2 ** 31 - 1;

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
  private pinger?: NodeJS.Timeout;

  constructor(
    private readonly httpHost: HttpAdapterHost,
    private readonly tokens: TokenService,
    private readonly registry: ConnectionRegistry,
    @Inject(RAW_WS_DIALECTS) private readonly dialects: RawWsDialect[],
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.calls.maxSignalBytes + FRAME_OVERHEAD_BYTES });
  }

  onApplicationBootstrap(): void {
    const server: Server = this.httpHost.httpAdapter.getHttpServer();
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const dialect = this.dialectFor(request.url);
      if (dialect) void this.upgrade(dialect, request, socket, head);
    });
    // Keep-alive: a peer that has not answered the previous ping by the next one is dropped.
    this.pinger = setInterval(() => this.pingAll(), this.config.heartbeat.wsPingIntervalMs);
    this.pinger.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pinger);
    for (const connection of this.connections) connection.socket.close(1001, 'server shutting down');
    this.wss.close();
  }

  private dialectFor(url: string | undefined): RawWsDialect | undefined {
    const path = new URL(url ?? '/', 'http://localhost').pathname.replace(/\/?$/, '/');
    return this.dialects.find((d) => d.path === path);
  }

  private async upgrade(dialect: RawWsDialect, request: IncomingMessage, socket: Duplex, head: Buffer) {
    let verified: VerifiedToken;
    try {
      const token = tokenFromHandshake({ headers: request.headers, url: request.url });
      if (!token) throw new AppError('unauthorized', 'Missing token: connect with ?token=<JWT>');
      verified = await this.tokens.verify(token);
    } catch (error) {
      const body = JSON.stringify(toErrorBody(error));
      socket.end(`HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.open(dialect, ws, verified));
  }

  private open(dialect: RawWsDialect, ws: WebSocket, verified: VerifiedToken): void {
    const connection = new RawWsConnection(ws, verified.user, dialect);
    this.connections.add(connection);
    const expiry = this.scheduleExpiry(connection, dialect, verified.expiresAt);
    ws.on('pong', () => (connection.alive = true));
    ws.on('message', (data, isBinary) => void this.receive(connection, dialect, data, isBinary));
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      clearTimeout(expiry);
      this.connections.delete(connection);
      inBackground('unregistering a connection', this.registry.remove(connection.id));
    });
    const greeting = dialect.greeting?.(connection);
    if (greeting) connection.send(greeting);
    inBackground('registering a connection', this.registry.add(connection));
  }

  private async receive(connection: RawWsConnection, dialect: RawWsDialect, data: RawData, isBinary: boolean) {
    let message: Record<string, unknown> | undefined;
    try {
      if (isBinary) throw new AppError('validation_failed', 'Binary frames are not accepted; send JSON text');
      const parsed: unknown = JSON.parse(data.toString());
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new AppError('validation_failed', 'A message must be a JSON object');
      }
      message = parsed as Record<string, unknown>;
      await dialect.handle(connection, message);
    } catch (error) {
      const appError =
        error instanceof SyntaxError ? new AppError('validation_failed', 'A message must be valid JSON') : error;
      if (!(appError instanceof AppError)) this.logger.error(appError instanceof Error ? appError.stack : String(appError));
      connection.send(dialect.renderError(toErrorBody(appError), message));
    }
  }

  private scheduleExpiry(connection: RawWsConnection, dialect: RawWsDialect, expiresAt: number | null) {
    if (expiresAt === null) return undefined;
    const timer = setTimeout(() => {
      connection.send(dialect.renderError(toErrorBody(new AppError('unauthorized', 'Access token expired')), undefined));
      connection.socket.close(4001, 'token expired');
    }, Math.min(Math.max(expiresAt - Date.now(), 0), MAX_TIMER_MS));
    timer.unref();
    return timer;
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
