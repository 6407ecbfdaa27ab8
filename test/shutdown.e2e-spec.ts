import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { RawClient } from './helpers/raw-ws';
import { spawnServer, ServerProcess } from './helpers/server-process';
import { connectSocket, emitWithAck, nextEvent } from './helpers/sockets';
import { createTestDatabase, TestDatabase } from './helpers/test-database';
import { TEST_JWT_SECRET } from './helpers/test-app';
import { registerUser } from './helpers/users';

/**
 * Starts a multipart upload and sends only its first part; `started` resolves once the server has
 * taken the request (its 100 Continue: from then on the request is in flight, not an idle
 * connection that a shutdown may close), and `finish()` sends the rest.
 */
function slowUpload(url: string, token: string, content: Buffer) {
  const boundary = 'drain-test-boundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const { hostname, port } = new URL(url);
  const req = httpRequest({
    hostname,
    port,
    method: 'POST',
    path: '/chat/attachments',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': `multipart/form-data; boundary=${boundary}`,
      'Content-Length': head.length + content.length + tail.length,
      Expect: '100-continue',
    },
  });
  const response = new Promise<{ status: number; body: any }>((done, fail) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', fail);
  });
  const half = Math.floor(content.length / 2);
  const started = new Promise<void>((done) => {
    req.on('continue', () => {
      req.write(Buffer.concat([head, content.subarray(0, half)]));
      done();
    });
  });
  req.flushHeaders();
  return { response, started, finish: () => req.end(Buffer.concat([content.subarray(half), tail])) };
}

describe('graceful shutdown on SIGTERM (e2e)', () => {
  let db: TestDatabase;
  let cwd: string;
  let server: ServerProcess;
  // A grace far longer than the restart, however slow the machine: the call must survive it.
  const env = () => ({
    ...db.env,
    JWT_SECRET: TEST_JWT_SECRET,
    PASSWORD_HASH_COST: '1024',
    SHUTDOWN_TIMEOUT_MS: '8000',
    RECONNECT_GRACE_MS: '120000',
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    cwd = mkdtempSync(join(tmpdir(), 'calls-cwd-'));
  });
  afterAll(async () => {
    server?.process.kill('SIGKILL');
    await db.drop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('sends clients to reconnect, finishes the request in flight, keeps the call, and exits 0', async () => {
    server = await spawnServer(env(), cwd);
    const alice = await registerUser(server.url);
    const bob = await registerUser(server.url, 'mentor');
    const socket = connectSocket(server.url, { token: alice.token });
    await nextEvent(socket, 'authenticated');
    const raw = await RawClient.connect(server.url, '/ws/call/', bob.token);
    const { call } = await emitWithAck(socket, 'startCall', { recipientUserId: bob.id });
    raw.send({ action: 'answer_call', call_id: call.id, caller_id: alice.id });
    await nextEvent(socket, 'callAccepted');

    const content = Buffer.alloc(256 * 1024, 'lesson notes ');
    const upload = slowUpload(server.url, alice.token, content);
    await upload.started;
    const notice = nextEvent(socket, 'server_shutdown');
    const disconnected = nextEvent(socket, 'disconnect');
    server.process.kill('SIGTERM');

    expect(await notice).toEqual({ reconnect: true, message: 'This server is shutting down; reconnect to continue' });
    // "transport close": a Socket.IO client with reconnection on (the default) reconnects by itself.
    expect(await disconnected).toBe('transport close');
    expect(await raw.closed).toEqual({ code: 1012, reason: 'server restarting: reconnect' });
    upload.finish();
    const uploaded = await upload.response;
    expect(uploaded).toMatchObject({ status: 201, body: { name: 'notes.txt', size: content.length } });
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('SIGTERM received: draining');

    // After the restart the upload is there, and the call waits for its parties to come back.
    server = await spawnServer(env(), cwd);
    const file = await request(server.url)
      .get(`/chat/attachments/${uploaded.body.id}`)
      .set('Authorization', `Bearer ${alice.token}`)
      .expect(200);
    expect(file.text).toBe(content.toString());
    const { body: current } = await request(server.url).get(`/calls/${call.id}`).set('Authorization', `Bearer ${alice.token}`).expect(200);
    expect(current.status).toBe('ACTIVE');
  }, 90_000);
});
