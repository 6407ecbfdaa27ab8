import { io, Socket } from 'socket.io-client';
import type {
  AckCallback,
  AckReply,
  CallsClientToServerEvents,
  CallsServerToClientEvents,
  ErrorBody,
  InstantClientToServerEvents,
  InstantServerToClientEvents,
  SharedClientToServerEvents,
  SharedServerToClientEvents,
  SocketIoDialect,
  WebrtcClientToServerEvents,
  WebrtcServerToClientEvents,
} from '@call-signaling/client';

/** Every event of every Socket.IO dialect, from the published client module: a test socket may speak any. */
export type AnyServerEvents = SharedServerToClientEvents &
  CallsServerToClientEvents &
  WebrtcServerToClientEvents &
  InstantServerToClientEvents;
export type AnyClientEvents = SharedClientToServerEvents &
  CallsClientToServerEvents &
  WebrtcClientToServerEvents &
  InstantClientToServerEvents;
export type TestSocket = Socket<AnyServerEvents, AnyClientEvents>;
export type { SocketIoDialect };

/** socket.io-client's own events, which tests wait for too. */
interface ReservedEvents {
  connect: () => void;
  disconnect: (reason: string) => void;
  connect_error: (error: Error & { data?: { code?: string; message?: string } }) => void;
}
type Listenable = AnyServerEvents & ReservedEvents;
export type ServerEventName = Extract<keyof Listenable, string>;
export type EventPayload<E extends ServerEventName> = Parameters<Listenable[E]>[0];

type PayloadOf<E extends keyof AnyClientEvents> = Parameters<AnyClientEvents[E]>[0];
type AckDataOf<E extends keyof AnyClientEvents> = Parameters<AnyClientEvents[E]>[1] extends AckCallback<infer Data> | undefined
  ? Data
  : never;

/**
 * An acknowledgement as tests read it: `ok`, with both the data and `error` typed as present. A
 * test that reads the wrong one gets undefined and fails, which is what it should do.
 */
export type TestAck<Data> = { ok: boolean; error: ErrorBody } & Data;

/** Opens a Socket.IO client on the app; websocket transport, no automatic reconnection. */
export function connectSocket(
  baseUrl: string,
  options: { token?: string; dialect?: SocketIoDialect; query?: Record<string, string>; extraHeaders?: Record<string, string> } = {},
): TestSocket {
  return io(baseUrl, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { ...(options.token ? { token: options.token } : {}), ...(options.dialect ? { dialect: options.dialect } : {}) },
    query: options.query,
    extraHeaders: options.extraHeaders,
  });
}

/** The same socket with event names and payloads unchecked: for tests that send what no client should. */
export const untyped = (socket: TestSocket) => socket as unknown as Socket;

/** Emits with no acknowledgement, as a client that does not wait: the server answers a failure with an `error` event. */
export function emitWithoutAck<E extends Extract<keyof AnyClientEvents, string>>(
  socket: TestSocket,
  event: E,
  payload: PayloadOf<E>,
): void {
  untyped(socket).emit(event, payload);
}

/** Resolves with the next `event` the socket receives; rejects after `timeoutMs`. */
export function nextEvent<E extends ServerEventName>(socket: TestSocket, event: E, timeoutMs = 5000): Promise<EventPayload<E>> {
  return nextMatching(socket, event, () => true, timeoutMs);
}

/** Emits with an acknowledgement and resolves with the server's reply. */
export function emitWithAck<E extends Extract<keyof AnyClientEvents, string>>(
  socket: TestSocket,
  event: E,
  payload: PayloadOf<E>,
): Promise<TestAck<AckDataOf<E>>> {
  return emitRaw(socket, event, payload) as Promise<TestAck<AckDataOf<E>>>;
}

/** Emits any event with any payload (bad input on purpose) and resolves with the reply. */
export function emitRaw(socket: TestSocket, event: string, payload?: unknown): Promise<AckReply> {
  return untyped(socket).timeout(5000).emitWithAck(event, payload) as Promise<AckReply>;
}

export async function closeSockets(...sockets: TestSocket[]): Promise<void> {
  for (const socket of sockets) socket.disconnect();
}

/** Resolves with the next `event` whose payload `match` accepts, passing over the others. */
export function nextMatching<E extends ServerEventName>(
  socket: TestSocket,
  event: E,
  match: (payload: EventPayload<E>) => boolean,
  timeoutMs = 5000,
): Promise<EventPayload<E>> {
  const plain = untyped(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      plain.off(event as string, onEvent);
      reject(new Error(`No ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (payload: unknown) => {
      if (!match(payload as EventPayload<E>)) return;
      clearTimeout(timer);
      plain.off(event as string, onEvent);
      resolve(payload as EventPayload<E>);
    };
    plain.on(event as string, onEvent);
  });
}
