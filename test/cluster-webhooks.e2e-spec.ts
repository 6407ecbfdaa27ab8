import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { activeCall, useCluster } from './helpers/cluster';
import type { TestSocket } from './helpers/sockets';
import { WebhookReceiver } from './helpers/webhook-receiver';

describe('webhook events from two instances (e2e)', () => {
  let receiver: WebhookReceiver;
  // Filled in before the cluster starts (its beforeAll reads the variables after this one ran).
  const env: Record<string, string> = {
    PLATFORM_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
    PLATFORM_WEBHOOK_RETRY_BASE_MS: '10',
  };
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    env.PLATFORM_WEBHOOK_URL = receiver.url;
  });
  const fixture = useCluster(2, env);
  const sockets: TestSocket[] = [];
  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await receiver.close();
  });

  it('sends each event of calls moved on both instances once, one at a time per call, in order', async () => {
    // Every first attempt fails: each event's retry may be taken by either instance.
    receiver.answer = ({ attempt }) => (attempt === 1 ? 500 : 204);
    const [a, b] = fixture.instances;
    const calls = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        // Started on A, accepted on B, hung up on either.
        const { caller, callId } = await activeCall(a, b, (socket) => sockets.push(socket));
        await request((i % 2 ? a : b).url)
          .delete(`/calls/${callId}`)
          .set('Authorization', `Bearer ${caller.token}`)
          .expect(200);
        return callId;
      }),
    );
    const attemptsOf = (callId: string) =>
      receiver.received
        .filter((r) => 'call' in r.event.data && r.event.data.call.id === callId)
        .map((r) => `${r.event.type} ${r.attempt} ${r.status}`);
    await receiver.until(() => calls.every((id) => attemptsOf(id).length === 6));

    for (const id of calls) {
      expect(attemptsOf(id)).toEqual(['call.calling', 'call.active', 'call.ended'].flatMap((type) => [`${type} 1 500`, `${type} 2 204`]));
    }
  });
});
