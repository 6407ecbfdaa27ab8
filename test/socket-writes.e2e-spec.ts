import type { Socket as TcpSocket } from 'node:net';
import type { Server } from 'socket.io';
import { ConnectionGateway } from '../src/realtime/connection.gateway';
import { emitWithAck, nextEvent } from './helpers/sockets';
import { useTestApp } from './helpers/suite';

describe('Socket.IO writes (e2e)', () => {
  const { t, online } = useTestApp();

  /** The server's TCP socket for a client's Socket.IO connection, with a count of the writes made on it. */
  function tcpWritesTo(socketId: string): { count: () => number } {
    const server = (t.app.get(ConnectionGateway) as unknown as { server: Server }).server;
    const session = server.of('/').sockets.get(socketId)!.conn as unknown as { transport: { socket: { _socket: TcpSocket } } };
    const tcp = session.transport.socket._socket as TcpSocket & Record<'_write' | '_writev', (...args: unknown[]) => void>;
    let writes = 0;
    for (const method of ['_write', '_writev'] as const) {
      const own = tcp[method].bind(tcp);
      tcp[method] = (...args: unknown[]) => {
        writes++;
        own(...args);
      };
    }
    return { count: () => writes };
  }

  it('sends an event and the ack that follows it in the same tick in one TCP write, event first', async () => {
    const [ada, grace] = [await online('student'), await online('mentor')];
    const ringing = nextEvent(grace.socket, 'incomingCall');
    const { call } = await emitWithAck(ada.socket, 'startCall', { recipientUserId: grace.id });
    await ringing;
    await emitWithAck(grace.socket, 'acceptCall', { callId: call.id });

    const writes = tcpWritesTo(ada.socket.id!);
    const heard: string[] = [];
    const joined = nextEvent(ada.socket, 'joinedCall').then(() => heard.push('joinedCall'));
    await emitWithAck(ada.socket, 'joinCall', { callId: call.id, hasVideo: true, hasAudio: true }).then(() => heard.push('ack'));
    await joined;
    expect(heard).toEqual(['joinedCall', 'ack']);
    expect(writes.count()).toBe(1);
  });
});
