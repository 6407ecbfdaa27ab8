import { io, Socket } from 'socket.io-client';

/** Opens a Socket.IO client on the app; websocket transport, no automatic reconnection. */
export function connectSocket(
  baseUrl: string,
  options: { token?: string; dialect?: string; query?: Record<string, string>; extraHeaders?: Record<string, string> } = {},
): Socket {
  return io(baseUrl, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { ...(options.token ? { token: options.token } : {}), ...(options.dialect ? { dialect: options.dialect } : {}) },
    query: options.query,
    extraHeaders: options.extraHeaders,
  });
}

/** Resolves with the next `event` the socket receives; rejects after `timeoutMs`. */
export function nextEvent<T = any>(socket: Socket, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, onEvent);
      reject(new Error(`No ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, onEvent);
  });
}

/** Emits with an acknowledgement and resolves with the server's reply. */
export function emitWithAck<T = any>(socket: Socket, event: string, payload?: unknown): Promise<T> {
  return socket.timeout(5000).emitWithAck(event, payload) as Promise<T>;
}

export async function closeSockets(...sockets: Socket[]): Promise<void> {
  for (const socket of sockets) socket.disconnect();
}

/** Resolves with the next `event` whose payload `match` accepts, passing over the others. */
export function nextMatching<T = any>(socket: Socket, event: string, match: (payload: T) => boolean, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, onEvent);
      reject(new Error(`No matching ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (payload: T) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, onEvent);
      resolve(payload);
    };
    socket.on(event, onEvent);
  });
}
