import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, ServerOptions } from 'socket.io';
import { REDIS } from '../cluster/cluster.tokens';
import type { RedisConnections } from '../cluster/redis-connections';
import type { AppConfig } from '../config/app-config';
import { corsOrigin } from '../common/cors';
import { MetricsService } from '../observability/metrics.service';
import { ConnectionAdmission } from './connection-admission';
import type { WebSocket } from 'ws';
import { holdWebSocket } from './frame-guard';
import { refuseRequest } from './http-refusal';
import { guardedParser } from './guarded-parser';
import { withHandledSubscriptions } from './sharded-subscriber';
import { maxFrameBytes } from './transport-limits';
import { bindGateway, HandlerTable, shareGatewayHandlers } from './gateway-handlers';
import { FlushingSession, writeOncePerTick } from './tick-writes';

/** Where Socket.IO listens; the raw-WebSocket server answers upgrades to any other path. */
export const SOCKET_IO_PATH = '/socket.io';

interface EngineSession extends FlushingSession {
  request: IncomingMessage;
  transport: EngineTransport;
  on(event: 'close', listener: (this: EngineSession, reason: string, description?: unknown) => void): void;
}

interface EngineTransport {
  name: string;
  socket?: WebSocket;
}

/**
 * Transport errors that are a client going away, not breaking the protocol: a long-polling request
 * cut off (a tab closed or reloaded mid-poll), a write the peer had reset.
 */
const GONE_AWAY = new Set(['poll connection closed prematurely', 'data request connection closed prematurely', 'write error']);

/**
 * Whether Engine.IO closed a session for a fault of its client: bytes that are no packet, or a
 * transport error other than going away (a frame the WebSocket refused for its size, say).
 */
export const closedForBreach = (reason: unknown, description?: unknown): boolean =>
  reason === 'parse error' || (reason === 'transport error' && !GONE_AWAY.has((description as Error | undefined)?.message ?? ''));

/** The WebSocket a Socket.IO session is on, if it is on one (a long-polling session is read per request). */
function webSocketOf(session: { transport: { name: string } }): WebSocket | undefined {
  const transport = session.transport as EngineTransport;
  return transport.name === 'websocket' ? transport.socket : undefined;
}

/** Stops reading a Socket.IO connection for `ms` if it is on a WebSocket. */
export function holdSession(session: { transport: { name: string } }, ms: number): void {
  const socket = webSocketOf(session);
  if (socket) holdWebSocket(socket, ms);
}

/**
 * Drops the WebSocket of a session whose peer broke the protocol, at once: Engine.IO would close
 * it politely and ws read on until the peer agrees, which for a flood is reading, and decoding,
 * every byte it sends meanwhile.
 */
export function dropSession(session: { transport: { name: string } }): void {
  webSocketOf(session)?.terminate();
}

/**
 * Socket.IO with the server's CORS policy, origin allow-list and unauthenticated-session cap
 * applied to its handshake, heartbeats that notice a dead peer within about 15 s, frames bounded
 * by MAX_SIGNAL_BYTES and checked by a FrameGuard before they are parsed, and, with Redis, the
 * official Redis adapter, so Socket.IO's own broadcasts and rooms span the instances.
 */
export class SocketIoAdapter extends IoAdapter {
  private readonly handlerTables = new HandlerTable((payload) => this.mapPayload(payload));
  private disconnectHandled = false;

  constructor(
    private readonly app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
    shareGatewayHandlers();
  }

  /**
   * Nest's own binding keeps an rxjs pipeline per event per socket for the socket's whole life
   * (about 150 KB an idle connection, see bench/analysis.md), and a bound copy of every handler.
   * Here every socket of the same gateways shares one table of their handlers (gateway-handlers.ts),
   * and one listener per event, added to a socket when it first sends the event (listensTo).
   */
  bindGateway(socket: object, subscribers: MessageMappingProperties[], gateway: object) {
    if (typeof (gateway as { handleDisconnect?: unknown }).handleDisconnect === 'function') this.disconnectHandled = true;
    bindGateway(socket, this.handlerTables, subscribers, gateway);
  }

  /** Nest asks for a disconnect listener per gateway per socket; only a gateway with handleDisconnect needs one (none has today). */
  override bindClientDisconnect(client: Parameters<IoAdapter['bindClientDisconnect']>[0], callback: () => void): void {
    if (this.disconnectHandled) super.bindClientDisconnect(client, callback);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, {
      ...options,
      path: SOCKET_IO_PATH,
      // Other upgrade paths (/ws/call/, /ws/signaling/) belong to the raw-WebSocket server.
      destroyUpgrade: false,
      cors: { origin: corsOrigin(this.config), credentials: true },
      pingInterval: this.config.heartbeat.socketIoPingIntervalMs,
      pingTimeout: this.config.heartbeat.socketIoPingTimeoutMs,
      maxHttpBufferSize: maxFrameBytes(this.config),
      parser: guardedParser(this.config),
      // A session that never joins a namespace is dropped as soon as an unauthenticated one would be.
      connectTimeout: this.config.socketAuthTimeoutMs,
    }) as Server;
    this.admitHandshakes(server);
    const redis = this.app.get<RedisConnections | null>(REDIS);
    if (redis && this.config.redis) {
      // On a Redis Cluster, sharded Pub/Sub (Redis 7): each channel lives on the node of its slot,
      // where classic Pub/Sub would copy every message to every node.
      const key = `${this.config.redis.prefix}socket.io`;
      server.adapter(
        redis.cluster
          ? createShardedAdapter(redis.publisher, withHandledSubscriptions(redis.subscriber), { channelPrefix: key })
          : createAdapter(redis.publisher, redis.subscriber, { key }),
      );
    }
    return server;
  }

  /** Refuses a handshake before engine.io opens a session for it; counts sessions until they authenticate. */
  private admitHandshakes(server: Server): void {
    const admission = this.app.get(ConnectionAdmission, { strict: false });
    const metrics = this.app.get(MetricsService, { strict: false });
    server.engine.use(
      (request: IncomingMessage & { _query?: Record<string, string> }, response: ServerResponse, next: (error?: unknown) => void) => {
        if (request._query?.sid) return next();
        try {
          admission.checkOrigin(request);
          admission.checkUnauthenticated(admission.clientIp(request));
          next();
        } catch (error) {
          // On a WebSocket upgrade engine.io hands a stand-in response; the socket is the way back.
          metrics.errorSent('socket.io', refuseRequest(response instanceof ServerResponse ? response : request.socket, error));
        }
      },
    );
    // One listener for every session (an emitter calls it with the session as `this`).
    const closed = function (this: EngineSession, reason: string, description?: unknown) {
      admission.sessionSettled(this);
      if (closedForBreach(reason, description)) dropSession(this);
    };
    server.engine.on('connection', (session: EngineSession) => {
      admission.sessionOpened(session, admission.clientIp(session.request));
      session.on('close', closed);
      writeOncePerTick(session);
    });
  }
}
