import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { sign } from 'jsonwebtoken';
import request from 'supertest';
import { useTestApp } from './helpers/suite';
import { TEST_JWT_SECRET } from './helpers/test-app';

/** A WebSocket upgrade request for `path`, written by hand (no client library would send some of these). */
const upgradeRequest = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`;

function openTcp(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const socket = connect(Number(port), hostname, () => done(socket));
    socket.once('error', fail);
  });
}

/** Everything the server writes until it closes the connection. */
function answerOf(socket: Socket): Promise<string> {
  let text = '';
  socket.on('data', (chunk) => (text += chunk));
  return new Promise((done) => socket.once('close', () => done(text)));
}

describe('WebSocket upgrades the server cannot take (e2e)', () => {
  const { t } = useTestApp();

  it.each(['//:99999', '//%'])('answers a path no URL parser reads (%s) with 400, and keeps serving', async (path) => {
    const socket = await openTcp(t.url);
    const answer = answerOf(socket);
    socket.write(upgradeRequest(path));
    expect(await answer).toMatch(/^HTTP\/1\.1 400 [\s\S]*"code":"validation_failed"/);
    await request(t.url).get('/health').expect(200);
  });

  it.each(['/nowhere', '/ws/call/%zz?token=x', '/ws/callx/', '/socket.io?EIO=4&transport=websocket'])(
    'answers an upgrade to a path it does not serve (%s) with 404',
    async (path) => {
      const socket = await openTcp(t.url);
      const answer = answerOf(socket);
      socket.write(upgradeRequest(path));
      expect(await answer).toMatch(/^HTTP\/1\.1 404 [\s\S]*"code":"not_found"/);
    },
  );

  it.each([
    ['an unknown token', () => sign({ sub: 'nobody' }, 'not-the-secret-but-long-enough-to-sign-with')],
    [
      "a token the server checks, then refuses for the user's new connections",
      () => sign({ sub: `reset-${randomBytes(6).toString('hex')}` }, TEST_JWT_SECRET),
    ],
  ])('survives clients that reset their connection before it is refused (%s)', async (_, token) => {
    // The server answers the upgrade after reading it; the client resets at once, or a few
    // milliseconds later, so that the answer meets a connection already reset.
    const user = token();
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const socket = await openTcp(t.url);
        socket.on('error', () => undefined); // its own reset
        const closed = new Promise((done) => socket.once('close', done));
        socket.write(upgradeRequest(`/ws/call/?token=${user}`), () => setTimeout(() => socket.resetAndDestroy(), i % 4));
        await closed;
      }),
    );
    await request(t.url).get('/health').expect(200);
  });
});
