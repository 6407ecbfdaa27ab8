import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { Observable } from 'rxjs';
import { createAdapter } from '@socket.io/redis-adapter';
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
import { maxFrameBytes } from './transport-limits';

const bindingLogger = new Logger('Socket');
/** The socket type of the Socket.IO copy Nest's adapter is compiled against. */
type NestSocket = Parameters<IoAdapter['bindMessageHandlers']>[0];

type HandlerCallback = MessageMappingProperties['callback'];
type SocketListener = (this: NestSocket, ...args: unknown[]) => void;

/** A socket's gateway handlers (at their events' indexes), the adapter that bound them, and Nest's transform of their results. */
interface BoundHandlers {
  callbacks: Array<HandlerCallback | undefined>;
  adapter: SocketIoAdapter;
  transform: (data: unknown) => Observable<unknown>;
}
const boundHandlers = new WeakMap<object, BoundHandlers>();

/**
 * Whether the socket has a listener for `event`. A gateway event's listener is added when the
 * socket first sends that event: an idle socket then keeps no table of some thirty events
 * (about 1.4 KB a socket). Called for every incoming packet before Socket.IO emits it.
 */
export function listensTo(
  socket: { listenerCount(event: string): number; on(event: string, listener: SocketListener): unknown },
  event: string,
): boolean {
  if (socket.listenerCount(event) > 0) return true;
  const gatewayEvent = gatewayEvents.get(event);
  if (!gatewayEvent || !boundHandlers.get(socket)?.callbacks[gatewayEvent.index]) return false;
  socket.on(event, gatewayEvent.listener);
  return true;
}

/** What every socket shares about one gateway event: its index in BoundHandlers.callbacks, and its one listener. */
interface GatewayEvent {
  index: number;
  listener: SocketListener;
}
const gatewayEvents = new Map<string, GatewayEvent>();

function gatewayEvent({ message, isAckHandledManually }: MessageMappingProperties): GatewayEvent {
  let event = gatewayEvents.get(message as string);
  if (!event) {
    const index = gatewayEvents.size;
    const ackManually = Boolean(isAckHandledManually);
    // An emitter calls its listeners with itself as `this`: one function serves every socket.
    const listener: SocketListener = function (...args) {
      const bound = boundHandlers.get(this);
      const callback = bound?.callbacks[index];
      if (bound && callback) runHandler(this, bound, callback, ackManually, args);
    };
    event = { index, listener };
    gatewayEvents.set(message as string, event);
  }
  return event;
}

/** The handler's result (a promise, an observable or a value) becomes an emitted event or the ack, as in Nest's own binding. */
function runHandler(
  socket: NestSocket,
  bound: BoundHandlers,
  callback: HandlerCallback,
  isAckHandledManually: boolean,
  args: unknown[],
): void {
  const { data, ack } = bound.adapter.mapPayload(args.length === 1 ? args[0] : args) as { data: unknown; ack: unknown };
  bound.transform(callback(data, ack)).subscribe({
    next: (response) => {
      if (response === null || response === undefined) return;
      const { event, data: payload } = response as { event?: string; data?: unknown };
      if (event) socket.emit(event, payload);
      else if (!isAckHandledManually && typeof ack === 'function') (ack as (r: unknown) => void)(response);
    },
    // Handlers' errors are answered by their exception filters; anything reaching here is a bug.
    error: (error: unknown) => bindingLogger.error(error instanceof Error ? (error.stack ?? error.message) : String(error)),
  });
}

interface EngineSession {
  request: IncomingMessage;
  transport: EngineTransport;
  once(event: 'close', listener: () => void): void;
  on(event: 'upgrade', listener: (transport: EngineTransport) => void): void;
}

interface EngineTransport {
  name: string;
  socket?: WebSocket;
}

/** Stops reading a Socket.IO connection for `ms` if it is on a WebSocket (a long-polling one is read per request). */
export function holdSession(session: { transport: { name: string } }, ms: number): void {
  const transport = session.transport as EngineTransport;
  if (transport.name === 'websocket' && transport.socket) holdWebSocket(transport.socket, ms);
}

/**
 * A WebSocket that broke the protocol (a frame over the size limit, say) is dropped at once. ws
 * would close it politely and read on until the peer agrees, which for a flood is reading every
 * byte it sends meanwhile; engine.io ends the session either way.
 */
function dropOnProtocolError(transport: EngineTransport): void {
  const ws = transport.name === 'websocket' ? transport.socket : undefined;
  ws?.once('error', () => ws.terminate());
}

/**
 * Socket.IO with the server's CORS policy, origin allow-list and unauthenticated-session cap
 * applied to its handshake, heartbeats that notice a dead peer within about 15 s, frames bounded
 * by MAX_SIGNAL_BYTES and checked by a FrameGuard before they are parsed, and, with Redis, the
 * official Redis adapter, so Socket.IO's own broadcasts and rooms span the instances.
 */
export class SocketIoAdapter extends IoAdapter {
  constructor(
    private readonly app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  /**
   * Nest's own binding keeps an rxjs pipeline per event per socket for the socket's whole life:
   * with some forty events that was most of an idle connection's memory (about 150 KB, see
   * bench/analysis.md). Here a socket keeps only an array of Nest's handlers, and every socket
   * shares one listener per event, which does the same per message; it is added to a socket when
   * the socket first sends the event (listensTo).
   */
  override bindMessageHandlers(
    socket: NestSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    let bound = boundHandlers.get(socket);
    if (!bound) boundHandlers.set(socket, (bound = { callbacks: [], adapter: this, transform }));
    for (const handler of handlers) {
      const { index } = gatewayEvent(handler);
      // One handler per event (a second gateway's would silently replace it).
      if (bound.callbacks[index]) throw new Error(`Two gateways subscribe to "${String(handler.message)}"`);
      bound.callbacks[index] = handler.callback;
    }
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, {
      ...options,
      path: '/socket.io',
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
      server.adapter(createAdapter(redis.publisher, redis.subscriber, { key: `${this.config.redis.prefix}socket.io` }));
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
          const ip = admission.clientIp(request);
          admission.checkAddress(ip);
          admission.checkUnauthenticated(ip);
          next();
        } catch (error) {
          // On a WebSocket upgrade engine.io hands a stand-in response; the socket is the way back.
          metrics.errorSent('socket.io', refuseRequest(response instanceof ServerResponse ? response : request.socket, error));
        }
      },
    );
    server.engine.on('connection', (session: EngineSession) => {
      admission.sessionOpened(session, admission.clientIp(session.request));
      session.once('close', () => admission.sessionSettled(session));
      dropOnProtocolError(session.transport);
      session.on('upgrade', dropOnProtocolError);
    });
  }
}
