import { authorized, AuthorizedRequests } from './api';
import { authenticated, OnlineUser } from './parties';
import { RawClient } from './raw-ws';
import { closeSockets, connectSocket, SocketIoDialect, TestSocket } from './sockets';
import { startTestApp, TestApp } from './test-app';
import { registerUser, RegisteredUser, Role } from './users';

export type RawPath = '/ws/call/' | '/ws/signaling/';

/** What a suite on one app uses; every client it opens is closed after each test. */
export interface AppSuite {
  /** The app under test: one object for the whole describe block, filled in by its beforeAll. */
  t: TestApp;
  /** Registers a user through the real API. */
  user: (role?: Role, name?: string) => Promise<RegisteredUser>;
  /** Connects a Socket.IO client as `user` (declaring `dialect`, if given) and waits for `authenticated`. */
  open: (user: RegisteredUser, dialect?: SocketIoDialect) => Promise<TestSocket>;
  /** Registers a user and opens a socket for them. */
  online: (role?: Role, name?: string, dialect?: SocketIoDialect) => Promise<OnlineUser>;
  /** Connects a raw-WebSocket client as `user` on `path`. */
  raw: (user: RegisteredUser, path: RawPath) => Promise<RawClient>;
  /** HTTP requests to the app as `user`. */
  api: (user: { token: string }) => AuthorizedRequests;
  /** Closes `client` after the test (for clients a test opens its own way). */
  track: <C extends TestSocket | RawClient>(client: C) => C;
}

/**
 * For the enclosing describe block: the real app on a fresh database (`env` as startTestApp takes
 * it; a function is read in beforeAll, after the suite's own earlier hooks), started before its
 * tests and closed after them; the clients each test opens are closed after it.
 */
export function useTestApp(env: Record<string, string> | (() => Record<string, string>) = {}): AppSuite {
  const t = {} as TestApp;
  const sockets: TestSocket[] = [];
  const raws: RawClient[] = [];

  beforeAll(async () => {
    Object.assign(t, await startTestApp(typeof env === 'function' ? env() : env));
  });
  afterEach(async () => {
    await closeSockets(...sockets.splice(0));
    for (const client of raws.splice(0)) client.close();
  });
  afterAll(async () => {
    await t.close?.();
  });

  const track = <C extends TestSocket | RawClient>(client: C): C => {
    if (client instanceof RawClient) raws.push(client);
    else sockets.push(client as TestSocket);
    return client;
  };
  const user = (role: Role = 'student', name?: string) => registerUser(t.url, role, name);
  const open = (who: RegisteredUser, dialect?: SocketIoDialect) =>
    authenticated(track(connectSocket(t.url, { token: who.token, dialect })));
  const online = async (role: Role = 'student', name?: string, dialect?: SocketIoDialect): Promise<OnlineUser> => {
    const registered = await user(role, name);
    return { ...registered, socket: await open(registered, dialect) };
  };
  const raw = async (who: RegisteredUser, path: RawPath) => track(await RawClient.connect(t.url, path, who.token));
  const api = (who: { token: string }) => authorized(t.url, who);

  return { t, user, open, online, raw, api, track };
}
