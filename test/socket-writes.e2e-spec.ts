import type { Socket as TcpSocket } from 'node:net';
import type { Server } from 'socket.io';
import { ConnectionGateway } from '../src/realtime/connection.gateway';
import { emitWithAck, nextEvent } from './helpers/sockets';
import { useTestApp } from './helpers/suite';

/** The payloads of the unmasked WebSocket frames (server to client) in one TCP write. */
function framesIn(write: Buffer): string[] {
  const frames: string[] = [];
  for (let at = 0; at < write.length;) {
    let length = write[at + 1] & 0x7f;
    let start = at + 2;
    if (length === 126) [length, start] = [write.readUInt16BE(at + 2), at + 4];
    else if (length === 127) [length, start] = [Number(write.readBigUInt64BE(at + 2)), at + 10];
    frames.push(write.toString('utf8', start, start + length));
    at = start + length;
  }
  return frames;
}

describe('Socket.IO writes (e2e)', () => {
  const { t, online } = useTestApp();

  /** What the server writes to a client's Socket.IO connection from now on, one Buffer a TCP write. */
  function tcpWritesTo(socketId: string): Buffer[] {
    const server = (t.app.get(ConnectionGateway) as unknown as { server: Server }).server;
    const session = server.of('/').sockets.get(socketId)!.conn as unknown as { transport: { socket: { _socket: TcpSocket } } };
    const tcp = session.transport.socket._socket as TcpSocket & Record<'_write' | '_writev', (...args: unknown[]) => void>;
    const writes: Buffer[] = [];
    const own = { _write: tcp._write.bind(tcp), _writev: tcp._writev.bind(tcp) };
    tcp._write = (chunk: unknown, ...rest: unknown[]) => {
      writes.push(Buffer.from(chunk as Buffer));
      own._write(chunk, ...rest);
    };
    tcp._writev = (chunks: unknown, ...rest: unknown[]) => {
      writes.push(Buffer.concat((chunks as Array<{ chunk: Buffer }>).map(({ chunk }) => Buffer.from(chunk))));
      own._writev(chunks, ...rest);
    };
    return writes;
  }

  it('writes an event and the ack that follows it in the same tick together, the event first', async () => {
    const [ada, alan] = [await online('student'), await online('student')];
    const ringing = nextEvent(alan.socket, 'incomingCall');
    const { call } = await emitWithAck(ada.socket, 'startCall', { recipientUserId: alan.id });
    await ringing;
    await emitWithAck(alan.socket, 'acceptCall', { callId: call.id });

    const writes = tcpWritesTo(ada.socket.id!);
    const joined = nextEvent(ada.socket, 'joinedCall');
    await emitWithAck(ada.socket, 'joinCall', { callId: call.id, hasVideo: true, hasAudio: true });
    await joined;
    const withEvent = writes.map(framesIn).find((frames) => frames.some((frame) => frame.startsWith('42["joinedCall"')));
    // Socket.IO's packet types: 2 an event, 3 an ack (after Engine.IO's 4, a message).
    expect(withEvent?.map((frame) => frame.slice(0, 2))).toEqual(['42', '43']);
  });
});
