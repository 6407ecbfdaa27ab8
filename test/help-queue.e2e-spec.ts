import type { HelpRequestWebhookData } from '@call-signaling/client';
import { randomBytes } from 'node:crypto';
import {
  callRingingPastReservation,
  HelpWorld,
  lapsedReservationReturnsToHead,
  positionsAsMentorsAccept,
  stagedEscalation,
} from './helpers/help-queue-scenarios';
import { closeSockets, emitWithAck, nextEvent, nextMatching } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import { WebhookReceiver } from './helpers/webhook-receiver';

describe('the help queue (e2e)', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(() => receiver.close());
  const suite = useTestApp(() => ({
    HELP_ESCALATE_AFTER_MS: '1500',
    HELP_RESERVATION_MS: '2500',
    PLATFORM_WEBHOOK_URL: receiver.url,
    PLATFORM_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
  }));
  const world: HelpWorld = { urls: [], sockets: [] };
  beforeAll(() => world.urls.push(suite.t.url));
  afterEach(() => closeSockets(...world.sockets.splice(0)));

  it('tells five waiting students their place and estimated wait as mentors accept one by one', () => positionsAsMentorsAccept(world));

  it('offers a request to the mentors matched to its topic first, then to every available one', () => stagedEscalation(world));

  it('puts a request whose reservation lapsed or whose call failed back at the head; an answered call fulfils it', () =>
    lapsedReservationReturnsToHead(world));

  it('waits for a call ringing when the reservation ends: answered after the end, it fulfils the request', () =>
    callRingingPastReservation(world));

  it('tells the platform of every move of a request, in order', async () => {
    const topic = `Statistics ${randomBytes(3).toString('hex')}`;
    const [matched, other, student] = await Promise.all([suite.online('mentor'), suite.online('mentor'), suite.online('student')]);
    await suite
      .api(matched)
      .put('/users/me/subjects', { subjects: [topic] })
      .expect(200);
    const escalated = nextMatching(student.socket, 'help_request_position', (p) => p.stage === 'everyone', 10_000);
    const { request } = await emitWithAck(student.socket, 'student_request_help', { topic });
    await escalated;
    await suite.api(matched).post(`/help-requests/${request.id}/accept`).expect(200);
    await nextEvent(student.socket, 'help_request_requeued', 10_000);
    await suite.api(other).post(`/help-requests/${request.id}/accept`).expect(200);
    const ringing = nextEvent(student.socket, 'incomingCall');
    const { call } = await emitWithAck(other.socket, 'startCall', { recipientUserId: student.id });
    await ringing;
    await emitWithAck(student.socket, 'acceptCall', { callId: call.id });

    const ofRequest = () => receiver.accepted().filter((r) => 'request' in r.event.data && r.event.data.request.id === request.id);
    await receiver.until(() => ofRequest().length === 6);
    expect(ofRequest().map(({ event }) => [event.type, (event.data as HelpRequestWebhookData).previousStatus])).toEqual([
      ['help_request.waiting', null],
      ['help_request.escalated', 'waiting'],
      ['help_request.accepted', 'waiting'],
      ['help_request.waiting', 'accepted'],
      ['help_request.accepted', 'waiting'],
      ['help_request.fulfilled', 'accepted'],
    ]);
    const last = ofRequest()[5].event.data as HelpRequestWebhookData;
    expect(last.request).toMatchObject({ status: 'fulfilled', stage: 'everyone', acceptedBy: other.id, callId: call.id });
    expect(last.request).not.toHaveProperty('queue');
  });
});
