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

/** Another authenticated device for an existing user. */
export async function connectAs(baseUrl: string, user: RegisteredUser): Promise<TestSocket> {
  const socket = connectSocket(baseUrl, { token: user.token });
  await nextEvent(socket, 'authenticated');
  return socket;
}

/** Collects every payload of `event` the socket receives from now on. */
export function collect<E extends ServerEventName>(socket: TestSocket, event: E): Array<EventPayload<E>> {
  const seen: Array<EventPayload<E>> = [];
  untyped(socket).on(event as string, (payload: EventPayload<E>) => seen.push(payload));
  return seen;
}

/** Registers a user and connects a Socket.IO client that declares `dialect` at the handshake. */
export async function onlineIn(
  baseUrl: string,
  dialect: SocketIoDialect,
  role: Role,
  name?: string,
): Promise<[RegisteredUser, TestSocket]> {
  const user = await registerUser(baseUrl, role, name);
  const socket = connectSocket(baseUrl, { token: user.token, dialect });
  await nextEvent(socket, 'authenticated');
  return [user, socket];
}
