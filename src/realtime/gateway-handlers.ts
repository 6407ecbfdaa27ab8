import { Logger } from '@nestjs/common';
import type { ApplicationConfig } from '@nestjs/core';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { WebSocketsController } from '@nestjs/websockets/web-sockets-controller';
import { isObservable } from 'rxjs';

const logger = new Logger('Socket');

/** What a Socket.IO socket is to the handlers here. */
export interface HandlerSocket {
  listenerCount(event: string): number;
  on(event: string, listener: SocketListener): unknown;
  emit(event: string, ...args: unknown[]): unknown;
}
type SocketListener = (this: HandlerSocket, ...args: unknown[]) => void;

/** A gateway handler as Nest's context creator makes it: the gateway as `this`, then the socket, the payload and the ack. */
type GatewayCallback = (this: object, socket: unknown, data: unknown, ack: unknown) => unknown;

interface Handler {
  callback: GatewayCallback;
  gateway: object;
  ackManually: boolean;
}

/**
 * The handlers a socket has, at their events' indexes. Every socket is bound to the same gateways
 * in the same order, so tables are shared: a socket holds one, and each table knows the table with
 * one more gateway's handlers.
 */
export class HandlerTable {
  private readonly withGateway = new Map<MessageMappingProperties[], HandlerTable>();

  constructor(
    /** The adapter's reading of a packet's arguments into the payload and the ack. */
    readonly mapPayload: (payload: unknown) => { data: unknown; ack?: unknown },
    readonly handlers: ReadonlyArray<Handler | undefined> = [],
  ) {}

  with(subscribers: MessageMappingProperties[], gateway: object): HandlerTable {
    let next = this.withGateway.get(subscribers);
    if (!next) {
      const handlers = [...this.handlers];
      for (const { message, callback, isAckHandledManually } of subscribers) {
        const { index } = gatewayEvent(message as string);
        // One handler per event (a second gateway's would silently replace it).
        if (handlers[index]) throw new Error(`Two gateways subscribe to "${String(message)}"`);
        handlers[index] = { callback: callback as GatewayCallback, gateway, ackManually: Boolean(isAckHandledManually) };
      }
      next = new HandlerTable(this.mapPayload, handlers);
      this.withGateway.set(subscribers, next);
    }
    return next;
  }
}

const tables = new WeakMap<object, HandlerTable>();

/** Binds a gateway's handlers to a socket: the socket's table becomes the one with them. */
export function bindGateway(socket: object, root: HandlerTable, subscribers: MessageMappingProperties[], gateway: object) {
  tables.set(socket, (tables.get(socket) ?? root).with(subscribers, gateway));
}

/** The table a socket has (sockets bound to the same gateways share one). */
export const handlerTableOf = (socket: object): HandlerTable | undefined => tables.get(socket);

/**
 * Whether the socket has a listener for `event`. A gateway event's listener is added when the
 * socket first sends that event: an idle socket then keeps no table of some thirty events
 * (about 1.4 KB a socket). Called for every incoming packet before Socket.IO emits it.
 */
export function listensTo(socket: HandlerSocket, event: string): boolean {
  if (socket.listenerCount(event) > 0) return true;
  const known = gatewayEvents.get(event);
  if (!known || !tables.get(socket)?.handlers[known.index]) return false;
  socket.on(event, known.listener);
  return true;
}

/** What every socket shares about one gateway event: its index in the tables, and its one listener. */
interface GatewayEvent {
  index: number;
  listener: SocketListener;
}
const gatewayEvents = new Map<string, GatewayEvent>();

function gatewayEvent(message: string): GatewayEvent {
  let event = gatewayEvents.get(message);
  if (!event) {
    const index = gatewayEvents.size;
    // An emitter calls its listeners with itself as `this`: one function serves every socket.
    const listener: SocketListener = function (...args) {
      const table = tables.get(this);
      const handler = table?.handlers[index];
      if (table && handler) runHandler(this, table, handler, args);
    };
    event = { index, listener };
    gatewayEvents.set(message, event);
  }
  return event;
}

/**
 * The handler's result becomes an emitted event or the ack, as in Nest's own binding (its
 * pickResult and mergeAll): a promise is awaited, then an observable answers once per value and
 * anything else once. Done here without an rxjs pipeline per message, which cost a few percent of
 * a busy server's time.
 */
function runHandler(socket: HandlerSocket, table: HandlerTable, handler: Handler, args: unknown[]): void {
  const { data, ack } = table.mapPayload(args.length === 1 ? args[0] : args);
  const respond = (response: unknown) => {
    if (response === null || response === undefined) return;
    const { event, data: payload } = response as { event?: string; data?: unknown };
    if (event) socket.emit(event, payload);
    else if (!handler.ackManually && typeof ack === 'function') (ack as (r: unknown) => void)(response);
  };
  const answer = (result: unknown) => {
    if (isObservable(result)) result.subscribe({ next: respond, error: bug });
    else respond(result);
  };
  try {
    const result = handler.callback.call(handler.gateway, socket, data, ack);
    if (result instanceof Promise) result.then(answer, bug);
    else answer(result);
  } catch (error) {
    bug(error);
  }
}

/** Handlers' errors are answered by their exception filters; anything reaching here is a bug. */
function bug(error: unknown): void {
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
}

/** An adapter that keeps gateway handlers in shared tables (SocketIoAdapter). */
export interface SharedHandlersAdapter {
  bindGateway(socket: object, subscribers: MessageMappingProperties[], gateway: object): void;
}

let installed = false;

/**
 * Nest binds every gateway handler to every socket (`callback.bind(gateway, socket)` in
 * WebSocketsController.subscribeMessages): some forty functions per connection for its whole life,
 * about 3 KB of an idle one (bench/analysis.md). For an adapter with `bindGateway`, the socket is
 * passed at each call instead and the handlers are kept in shared tables. The method is public in
 * Nest's typings; a version without it fails here, at start-up, and
 * test/gateway-handlers.e2e-spec.ts fails too.
 */
export function shareGatewayHandlers(): void {
  if (installed) return;
  const controller = WebSocketsController.prototype;
  // Called with the controller as `this` below.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const nestSubscribe = controller.subscribeMessages;
  if (typeof nestSubscribe !== 'function') {
    throw new Error('@nestjs/websockets has no WebSocketsController.subscribeMessages: gateway handlers cannot be shared');
  }
  controller.subscribeMessages = function (this: WebSocketsController, subscribers, client, instance) {
    const adapter = (this as unknown as { config: ApplicationConfig }).config.getIoAdapter() as Partial<SharedHandlersAdapter>;
    if (typeof adapter.bindGateway !== 'function') return nestSubscribe.call(this, subscribers, client, instance);
    adapter.bindGateway(client as object, subscribers, instance);
  };
  installed = true;
}
