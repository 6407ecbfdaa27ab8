import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorized } from './helpers/api';
import { connectAs } from './helpers/parties';
import { emitWithAck } from './helpers/sockets';
import { spawnServer, ServerProcess } from './helpers/server-process';
import { createTestDatabase, TestDatabase } from './helpers/test-database';
import { TEST_JWT_SECRET } from './helpers/test-app';
import { registerUser } from './helpers/users';
import { WebhookReceiver } from './helpers/webhook-receiver';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

describe('webhook events survive a crash (e2e)', () => {
  let db: TestDatabase;
  let cwd: string;
  let receiver: WebhookReceiver;
  let server: ServerProcess | undefined;
  const env = () => ({
    ...db.env,
    JWT_SECRET: TEST_JWT_SECRET,
    PASSWORD_HASH_COST: '1024',
    PLATFORM_WEBHOOK_URL: receiver.url,
    PLATFORM_WEBHOOK_SECRET: SECRET,
    PLATFORM_WEBHOOK_TIMEOUT_MS: '1000',
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    cwd = mkdtempSync(join(tmpdir(), 'calls-cwd-'));
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    server?.process.kill('SIGKILL');
    await server?.exited;
    await receiver.close();
    await db.drop();
    rmSync(cwd, { recursive: true, force: true });
  });

  // Two server processes start (each compiles the project through ts-node): a larger budget.
  it('delivers, after a SIGKILL and a restart, the event being sent and those behind it, each once and in order', async () => {
    server = await spawnServer(env(), cwd);
    const student = await registerUser(server.url, 'student');
    const mentor = await registerUser(server.url, 'mentor');
    const [studentSocket, mentorSocket] = await Promise.all([connectAs(server.url, student), connectAs(server.url, mentor)]);

    // The platform takes the first event and never answers: the instance dies while sending it.
    receiver.answer = () => 'hang';
    const { call } = await emitWithAck(studentSocket, 'startCall', { recipientUserId: mentor.id });
    await receiver.until((r) => r.received.length === 1);
    // Two more moves are written behind it, and not sent: the call's events go one at a time.
    await emitWithAck(mentorSocket, 'acceptCall', { callId: call.id });
    await authorized(server.url, student).delete(`/calls/${call.id}`).expect(200);
    expect(receiver.received.map((r) => r.event.type)).toEqual(['call.calling']);

    server.process.kill('SIGKILL');
    await server.exited;
    studentSocket.disconnect();
    mentorSocket.disconnect();

    receiver.answer = () => 200;
    server = await spawnServer(env(), cwd);
    // The dead instance's lease on the first event runs out (timeout + 5 s), then all three go.
    await receiver.until((r) => r.accepted().length === 3);
    expect(receiver.accepted().map((r) => r.event.type)).toEqual(['call.calling', 'call.active', 'call.ended']);
    expect(receiver.accepted()[0].body).toBe(receiver.received[0].body);
    expect(receiver.received).toHaveLength(4);
  }, 90_000);
});
