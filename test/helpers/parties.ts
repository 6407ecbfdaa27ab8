import { connectSocket, EventPayload, nextEvent, ServerEventName, SocketIoDialect, TestSocket, untyped } from './sockets';
import { registerUser, RegisteredUser, Role } from './users';

export interface OnlineUser extends RegisteredUser {
  socket: TestSocket;
}

/** Registers a user and connects one authenticated Socket.IO client for them. */
export async function onlineUser(baseUrl: string, role: Role = 'student', name?: string): Promise<OnlineUser> {
  const user = await registerUser(baseUrl, role, name);
  return { ...user, socket: await connectAs(baseUrl, user) };
}

/** Another authenticated device for an existing user (declaring `dialect` at the handshake, if given). */
export async function connectAs(baseUrl: string, user: RegisteredUser, dialect?: SocketIoDialect): Promise<TestSocket> {
  return authenticated(connectSocket(baseUrl, { token: user.token, dialect }));
}

/** Resolves with the socket once the server has authenticated it. */
export async function authenticated(socket: TestSocket): Promise<TestSocket> {
  await nextEvent(socket, 'authenticated');
  return socket;
}

/** Collects every payload of `event` the socket receives from now on. */
export function collect<E extends ServerEventName>(socket: TestSocket, event: E): Array<EventPayload<E>> {
  const seen: Array<EventPayload<E>> = [];
  untyped(socket).on(event as string, (payload: EventPayload<E>) => seen.push(payload));
  return seen;
}
