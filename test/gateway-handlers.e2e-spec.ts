import type { Server } from 'socket.io';
import { ConnectionGateway } from '../src/realtime/connection.gateway';
import { handlerTableOf } from '../src/realtime/gateway-handlers';
import { connectSocket, emitRaw, emitWithAck } from './helpers/sockets';
import { useTestApp } from './helpers/suite';

describe('gateway handlers on Socket.IO (e2e)', () => {
  const { t, online } = useTestApp();
  const serverSockets = () => [...(t.app.get(ConnectionGateway) as unknown as { server: Server }).server.of('/').sockets.values()];

  it('are kept once for every socket, and each call gets the socket that sent it', async () => {
    const [ada, alan, grace, barbara] = await Promise.all([online('student'), online('student'), online('mentor'), online('mentor')]);
    const sockets = serverSockets();
    expect(sockets).toHaveLength(4);
    const table = handlerTableOf(sockets[0]);
    expect(table?.handlers.filter(Boolean).length).toBeGreaterThan(30);
    for (const socket of sockets) expect(handlerTableOf(socket)).toBe(table);
    // An idle socket listens for its own end only, in at most two listeners an event (a third costs
    // a larger array). Nest adds no disconnect listener per gateway: no gateway handles disconnects.
    for (const socket of sockets) {
      expect(socket.eventNames().sort()).toEqual(['disconnect', 'error']);
      expect(Math.max(socket.listenerCount('disconnect'), socket.listenerCount('error'))).toBeLessThanOrEqual(2);
    }

    // Both at once: each call is its own sender's.
    const [fromAda, fromAlan] = await Promise.all([
      emitWithAck(ada.socket, 'startCall', { recipientUserId: grace.id }),
      emitWithAck(alan.socket, 'startCall', { recipientUserId: barbara.id }),
    ]);
    expect(fromAda.call).toMatchObject({ hostUserId: ada.id, recipientUserId: grace.id });
    expect(fromAlan.call).toMatchObject({ hostUserId: alan.id, recipientUserId: barbara.id });
    // An event's listener comes with its first use, a relayed one's too.
    const serverSocketOf = (user: { socket: { id?: string } }) => sockets.find((socket) => socket.id === user.socket.id)!;
    expect(serverSocketOf(ada).listenerCount('startCall')).toBe(1);
    expect(serverSocketOf(grace).listenerCount('startCall')).toBe(0);
    expect(await emitWithAck(ada.socket, 'offer', { targetSocketId: grace.socket.id!, signal: { sdp: 'x' } })).toEqual({ ok: true });
    expect(serverSocketOf(ada).listenerCount('offer')).toBe(1);
    expect(serverSocketOf(alan).listenerCount('offer')).toBe(0);

    // So for a socket that authenticates with the event rather than in its handshake.
    const late = connectSocket(t.url);
    try {
      await new Promise((done) => late.once('connect', () => done(undefined)));
      expect(await emitRaw(late, 'authenticate', { token: alan.token })).toMatchObject({ ok: true });
      const reply = await emitWithAck(late, 'offer', { targetSocketId: barbara.socket.id!, signal: { sdp: 'x' } });
      expect(reply.error?.message ?? '').not.toMatch(/Unknown event/);
      expect(
        serverSockets()
          .find((socket) => socket.id === late.id)!
          .listenerCount('offer'),
      ).toBe(1);
    } finally {
      late.disconnect();
    }
  });
});
