import WebSocket from 'ws';
import type { Server } from 'socket.io';
import { SocketAuthService } from '../src/realtime/socket-auth.service';
import { TokenService } from '../src/auth/token.service';
import { ConnectionAdmission } from '../src/realtime/connection-admission';
import { ConnectionGateway } from '../src/realtime/connection.gateway';
import { eventually } from './helpers/cluster';
import { sign } from 'jsonwebtoken';
import { collect } from './helpers/parties';
import { connectSocket, emitRaw, emitWithAck, nextEvent, emitWithoutAck } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import { TEST_JWT_SECRET, type TestApp } from './helpers/test-app';
import type { RegisteredUser } from './helpers/users';

describe('Socket.IO authentication (e2e)', () => {
  const suite = useTestApp({ SOCKET_AUTH_TIMEOUT_MS: '400' });
  const { t, track } = suite;
  let user: RegisteredUser;
  /** A socket that has not authenticated yet, with these connection options. */
  const open = (options: Parameters<typeof connectSocket>[1] = {}) => track(connectSocket(t.url, options));

  beforeAll(async () => {
    user = await suite.user();
  });

  it.each([
    ['the handshake auth.token', () => ({ token: user.token })],
    ['the Authorization header', () => ({ extraHeaders: { Authorization: `Bearer ${user.token}` } })],
    ['the ?token= query parameter', () => ({ query: { token: user.token } })],
  ])('accepts a token in %s', async (_where, options) => {
    const socket = open(options());
    const authenticated = await nextEvent(socket, 'authenticated');
    expect(authenticated).toEqual({ socketId: socket.id, userId: user.id });
  });

  it('accepts the authenticate event, with an acknowledgement', async () => {
    const socket = open();
    await nextEvent(socket, 'connect');
    const announced = nextEvent(socket, 'authenticated');
    const ack = await emitWithAck(socket, 'authenticate', { token: user.token });
    expect(ack).toEqual({ ok: true, socketId: socket.id, userId: user.id });
    expect(await announced).toEqual({ socketId: socket.id, userId: user.id });
  });

  it('announces a socket once when two authenticate events race', async () => {
    const socket = open();
    await nextEvent(socket, 'connect');
    const announcements = collect(socket, 'authenticated');
    const acks = await Promise.all([0, 1].map(() => emitWithAck(socket, 'authenticate', { token: user.token })));
    expect(acks).toEqual([0, 1].map(() => ({ ok: true, socketId: socket.id, userId: user.id })));
    // Both acks came after any announcement either event could make.
    expect(announcements).toEqual([{ socketId: socket.id, userId: user.id }]);
  });

  it('refuses other events before authentication, by ack or by error event', async () => {
    const socket = open();
    await nextEvent(socket, 'connect');
    const ack = await emitWithAck(socket, 'joinCall', { callId: 'x', hasVideo: true, hasAudio: true });
    expect(ack).toEqual({ ok: false, error: { code: 'unauthorized', message: expect.any(String) } });
    const error = nextEvent(socket, 'error');
    emitWithoutAck(socket, 'joinCall', { callId: 'x', hasVideo: true, hasAudio: true });
    expect(await error).toEqual({ event: 'joinCall', code: 'unauthorized', message: expect.any(String) });
    expect(socket.connected).toBe(true);
  });

  it('answers a bad authenticate with unauthorized and keeps the socket open until the timeout', async () => {
    const socket = open();
    await nextEvent(socket, 'connect');
    const ack = await emitWithAck(socket, 'authenticate', { token: 'garbage' });
    expect(ack).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const missing = await emitRaw(socket, 'authenticate', {});
    expect(missing).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(socket.connected).toBe(true);
  });

  it('disconnects a socket that does not authenticate in time', async () => {
    const socket = open();
    const error = nextEvent(socket, 'error');
    const disconnected = nextEvent(socket, 'disconnect');
    expect(await error).toEqual({ code: 'unauthorized', message: 'Authentication timed out' });
    expect(await disconnected).toBe('io server disconnect');
  });

  it('rejects an invalid handshake token at connection', async () => {
    const socket = open({ token: 'garbage' });
    const failure = await nextEvent(socket, 'connect_error');
    expect(failure.data).toMatchObject({ code: 'unauthorized' });
  });

  it('ends the connection when the token expires', async () => {
    const shortLived = sign({ sub: user.id, iss: 'call-signaling' }, TEST_JWT_SECRET, { expiresIn: 3 });
    const socket = open({ token: shortLived });
    await nextEvent(socket, 'authenticated');
    const error = nextEvent(socket, 'error', 8000);
    const disconnected = nextEvent(socket, 'disconnect', 8000);
    expect(await error).toEqual({ code: 'unauthorized', message: 'Access token expired', details: { reason: 'token_expired' } });
    expect(await disconnected).toBe('io server disconnect');
  });

  it('lets a connected user refresh the token, but not switch users', async () => {
    const socket = open({ token: user.token });
    await nextEvent(socket, 'authenticated');
    const refreshed = sign({ sub: user.id, iss: 'call-signaling' }, TEST_JWT_SECRET, { expiresIn: 3600 });
    expect(await emitWithAck(socket, 'authenticate', { token: refreshed })).toMatchObject({ ok: true, userId: user.id });
    const other = await suite.user();
    expect(await emitWithAck(socket, 'authenticate', { token: other.token })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
  });
});

/**
 * A Socket.IO connection of `user` that closes while its handshake token is checked: resolves once
 * the server has seen it close, with what lets the check go on.
 */
async function closeWhileChecked(t: TestApp, user: RegisteredUser): Promise<{ release: () => void }> {
  const engine = (t.app.get(ConnectionGateway) as unknown as { server: Server }).server.engine;
  const tokens = t.app.get(TokenService);
  const verify = tokens.verifyConnection.bind(tokens);
  let release!: () => void;
  const gate = new Promise<void>((done) => (release = done));
  const checking = new Promise<void>((started) => {
    jest.spyOn(tokens, 'verifyConnection').mockImplementationOnce(async (token) => {
      started();
      await gate;
      return verify(token);
    });
  });
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  await new Promise((opened) => ws.once('message', opened)); // Engine.IO's open packet
  ws.send(`40${JSON.stringify({ token: user.token })}`);
  await checking;
  ws.terminate();
  await eventually(async () => expect(engine.clientsCount).toBe(0));
  return { release };
}

describe('a connection closed while its token is checked (e2e)', () => {
  const suite = useTestApp();
  const { t } = suite;

  it('leaves nothing behind in the token expiry schedule', async () => {
    const user = await suite.user();
    const service = t.app.get(SocketAuthService) as unknown as { expiries: { bySecond: Map<number, Set<unknown>> } };
    const scheduled = () => [...service.expiries.bySecond.values()].flatMap((due) => [...due]);
    const { release } = await closeWhileChecked(t, user);
    release();
    // A second connection all the way to authenticated: the first one's check has finished long before.
    const second = suite.track(connectSocket(t.url, { token: user.token }));
    await nextEvent(second, 'authenticated');
    expect(scheduled().map((socket) => (socket as { id: string }).id)).toEqual([second.id]);
  });
});

describe('a connection closed while its token is checked, with one connection per user (e2e)', () => {
  // New connections refilled at once: only the place can refuse the second.
  const suite = useTestApp({ MAX_CONNECTIONS_PER_USER: '1', RATE_LIMIT_CONNECTS_PER_MIN: '60000' });
  const { t } = suite;

  it('gives its place back: the user connects again', async () => {
    const user = await suite.user();
    const { release } = await closeWhileChecked(t, user);
    // Its admission, once the check goes on, and what follows it in the same turn.
    const admission = t.app.get(ConnectionAdmission);
    const admitting = admission.admitUserConnection.bind(admission);
    const admitted = new Promise<unknown>((settled) => {
      jest.spyOn(admission, 'admitUserConnection').mockImplementationOnce((...args) => {
        const outcome = admitting(...args);
        settled(outcome.catch(() => undefined));
        return outcome;
      });
    });
    release();
    await admitted;
    await new Promise((turn) => setImmediate(turn));
    const again = suite.track(connectSocket(t.url, { token: user.token }));
    const refused = nextEvent(again, 'connect_error').then((error) => (error as { data?: { message?: string } }).data?.message);
    expect(await Promise.race([nextEvent(again, 'authenticated').then(() => 'in'), refused])).toBe('in');
  });
});
