import type { CallMoveWebhookData, WebhookDeliveryView, WebhookEvent } from '@call-signaling/client';
import { sign } from 'jsonwebtoken';
import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { OpenAPIObject } from '@nestjs/swagger';
import request from 'supertest';
import { eventually } from './helpers/cluster';
import { ResponseChecker } from './helpers/openapi';
import { parseMetrics, valueOf } from './helpers/prometheus';
import { emitWithAck } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import { TEST_JWT_SECRET } from './helpers/test-app';
import { ReceivedWebhook, WebhookReceiver } from './helpers/webhook-receiver';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

/** The check the README documents: base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" with the secret's bytes. */
function documentedCheck(request: Pick<ReceivedWebhook, 'headers' | 'body'>): boolean {
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures } = request.headers;
  const expected = `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`).digest('base64')}`;
  return signatures.split(' ').includes(expected);
}

describe('the platform webhook (e2e)', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterEach(() => {
    receiver.answer = () => 204;
  });
  afterAll(() => receiver.close());

  const { online, user, api, t } = useTestApp(() => ({
    PLATFORM_WEBHOOK_URL: receiver.url,
    PLATFORM_WEBHOOK_SECRET: SECRET,
    PLATFORM_WEBHOOK_RETRY_BASE_MS: '20',
    CALL_LIMIT_WARNINGS_S: '1',
  }));
  const admin = { token: sign({ sub: `ops-${Date.now()}`, role: 'admin', name: 'Ops' }, TEST_JWT_SECRET, { expiresIn: 600 }) };

  /** The events the platform acknowledged for one call or help request, in the order they came. */
  const acceptedOf = (key: string) => receiver.accepted().filter((r) => keyOf(r.event) === key);
  const keyOf = (event: WebhookEvent) =>
    'call' in event.data ? event.data.call.id : 'request' in event.data ? event.data.request.id : event.data.callId;
  const typesOf = (key: string) => acceptedOf(key).map((r) => r.event.type);

  /** A call from a student to a mentor, answered and hung up by the student. */
  async function talkedCall(student?: Awaited<ReturnType<typeof online>>) {
    student ??= await online('student');
    const mentor = await online('mentor');
    const { call } = await emitWithAck(student.socket, 'startCall', { recipientUserId: mentor.id });
    await emitWithAck(mentor.socket, 'acceptCall', { callId: call.id });
    await api(student).delete(`/calls/${call.id}`).expect(200);
    return { student, mentor, callId: call.id as string };
  }

  it('tells the platform of every call move, with its durations, and of feedback, signed', async () => {
    const { student, mentor, callId } = await talkedCall();
    await api(mentor)
      .post(`/calls/${callId}/feedback`, { rating: 4, issues: ['echo'] })
      .expect(201);
    await receiver.until(() => acceptedOf(callId).length === 4);

    expect(typesOf(callId)).toEqual(['call.calling', 'call.active', 'call.ended', 'call.feedback']);
    const [calling, active, ended, feedback] = acceptedOf(callId).map((r) => r.event);
    const call = {
      id: callId,
      hostUserId: student.id,
      recipientUserId: mentor.id,
      hasVideo: true,
      title: null,
      roomName: null,
      maxDurationS: null,
      createdAt: ISO,
    };
    expect(calling.data).toEqual({
      call: { ...call, status: 'CALLING', endReason: null, startedAt: null, endedAt: null },
      previousStatus: null,
      actorUserId: student.id,
      reason: null,
      ringingMs: null,
      talkMs: null,
    });
    expect(active.data).toMatchObject({ previousStatus: 'CALLING', actorUserId: mentor.id, talkMs: null });
    const endedData = ended.data as CallMoveWebhookData;
    expect(endedData).toEqual({
      call: { ...call, status: 'ENDED', endReason: 'ended_by_api', startedAt: ISO, endedAt: ISO },
      previousStatus: 'ACTIVE',
      actorUserId: student.id,
      reason: 'ended_by_api',
      ringingMs: expect.any(Number),
      talkMs: expect.any(Number),
    });
    const at = (iso: string | null) => new Date(iso!).getTime();
    expect(endedData.ringingMs).toBe(at(endedData.call.startedAt) - at(endedData.call.createdAt));
    expect(endedData.talkMs).toBe(at(endedData.call.endedAt) - at(endedData.call.startedAt));
    expect(feedback.data).toEqual({ callId, userId: mentor.id, rating: 4, issues: ['echo'], comment: null, createdAt: ISO });

    for (const request of acceptedOf(callId)) {
      expect(request.headers['webhook-id']).toBe(request.event.id);
      expect(new Webhook(SECRET).verify(request.body, request.headers)).toEqual(request.event);
      expect(documentedCheck(request)).toBe(true);
    }
  });

  it('reports a call missed at once, and help requests asked and taken', async () => {
    const student = await online('student');
    const offline = await user('mentor');
    const { call } = await emitWithAck(student.socket, 'startCall', { recipientUserId: offline.id });
    const mentor = await online('mentor');
    const { request: asked } = await emitWithAck(student.socket, 'student_request_help', { topic: 'Vectors' });
    const { request: taken } = await emitWithAck(mentor.socket, 'accept_help_request', { request_id: asked.id });
    const { queue: _queue, ...request } = asked;
    await receiver.until(() => acceptedOf(call.id).length === 1 && acceptedOf(asked.id).length === 2);

    expect(acceptedOf(call.id)[0].event).toMatchObject({
      type: 'call.missed',
      data: { call: { status: 'MISSED' }, previousStatus: null, reason: 'offline' },
    });
    expect(acceptedOf(asked.id).map((r) => r.event)).toEqual([
      { id: expect.any(String), type: 'help_request.waiting', timestamp: ISO, data: { request, previousStatus: null } },
      {
        id: expect.any(String),
        type: 'help_request.accepted',
        timestamp: ISO,
        data: {
          request: { ...request, status: 'accepted', acceptedBy: mentor.id, reservedUntil: taken.reservedUntil },
          previousStatus: 'waiting',
        },
      },
    ]);
  });

  it('reports a session limit: the extension asked and granted, the warning, and the end at the limit, in order', async () => {
    const student = await online('student');
    const mentor = await online('mentor');
    const { call } = await emitWithAck(student.socket, 'startCall', { recipientUserId: mentor.id, maxDurationS: 2 });
    await emitWithAck(mentor.socket, 'acceptCall', { callId: call.id });
    await api(student).post(`/calls/${call.id}/extension`, { extraS: 1 }).expect(201);
    await api(mentor).post(`/calls/${call.id}/extension/accept`).expect(200);
    await receiver.until(() => acceptedOf(call.id).length === 6);

    const events = acceptedOf(call.id).map((r) => r.event);
    expect(events.map((e) => e.type)).toEqual([
      'call.calling',
      'call.active',
      'call.extension_requested',
      'call.extended',
      'call.time_warning',
      'call.ended',
    ]);
    expect(events[2].data).toEqual({ callId: call.id, byUserId: student.id, extraS: 1, expiresAt: ISO });
    expect(events[3].data).toEqual({ callId: call.id, byUserId: mentor.id, accepted: true, extraS: 1, maxDurationS: 3 });
    expect(events[4].data).toEqual({ callId: call.id, secondsLeft: 1, endsAt: ISO });
    expect(events[5].data).toMatchObject({ call: { endReason: 'time_limit', maxDurationS: 3 }, reason: 'time_limit' });
  });

  it('delivers every event once after 3 failed attempts each, one at a time per call and in order', async () => {
    const attempts = async () => {
      const samples = parseMetrics((await request(t.url).get('/metrics').expect(200)).text);
      return ['delivered', 'retrying', 'given_up'].map((outcome) => valueOf(samples, 'signaling_webhook_attempts_total', { outcome }));
    };
    const before = await attempts();
    receiver.answer = ({ attempt }) => (attempt <= 3 ? 500 : 204);
    const calls = await Promise.all([1, 2, 3, 4].map(() => talkedCall()));
    const ids = calls.map((c) => c.callId);
    await receiver.until(() => ids.every((id) => acceptedOf(id).length === 3));

    for (const id of ids) {
      const all = receiver.received.filter((r) => keyOf(r.event) === id);
      // Every attempt of an event came after the one before it was acknowledged: in order, and one at a time.
      expect(all.map((r) => `${r.event.type} ${r.attempt} ${r.status}`)).toEqual(
        ['call.calling', 'call.active', 'call.ended'].flatMap((type) => [
          `${type} 1 500`,
          `${type} 2 500`,
          `${type} 3 500`,
          `${type} 4 204`,
        ]),
      );
      // The same event (id and bytes) on every attempt, so the platform de-duplicates on the id.
      for (const event of acceptedOf(id)) {
        expect(new Set(all.filter((r) => r.event.id === event.event.id).map((r) => r.body))).toEqual(new Set([event.body]));
      }
    }

    // The last acknowledgement is written just after the platform answered it.
    const listed = await eventually(async () => {
      const page = await api(admin).get(`/admin/webhooks/deliveries?orderingKey=${ids[0]}`).expect(200);
      expect(page.body.items.map((d: WebhookDeliveryView) => [d.type, d.status, d.attempts])).toEqual([
        ['call.ended', 'delivered', 4],
        ['call.active', 'delivered', 4],
        ['call.calling', 'delivered', 4],
      ]);
      return page;
    });
    expect(listed.body.items[0].attemptLog).toEqual([
      ...[1, 2, 3].map(() => ({ at: ISO, durationMs: expect.any(Number), statusCode: 500, error: 'the platform answered 500' })),
      { at: ISO, durationMs: expect.any(Number), statusCode: 204 },
    ]);
    // Delivered: the 12 here, and possibly the last of the test before, whose count may follow its acknowledgement.
    await eventually(async () => {
      const [delivered, retrying, givenUp] = (await attempts()).map((n, i) => n - before[i]);
      expect({ retrying, givenUp }).toEqual({ retrying: 36, givenUp: 0 });
      expect(delivered).toBeGreaterThanOrEqual(12);
    });
  });

  it('lets the platform refuse a tampered event, a forged timestamp, and a replay past 5 minutes', async () => {
    const { callId } = await talkedCall();
    await receiver.until(() => acceptedOf(callId).length === 3);
    const [genuine] = acceptedOf(callId);
    const platform = new Webhook(SECRET);
    expect(platform.verify(genuine.body, genuine.headers)).toEqual(genuine.event);

    const tampered = { ...genuine, body: genuine.body.replace(/"CALLING"/, '"ENDED"') };
    expect(() => platform.verify(tampered.body, tampered.headers)).toThrow('No matching signature found');
    expect(documentedCheck(tampered)).toBe(false);

    const forged = { ...genuine, headers: { ...genuine.headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) + 1) } };
    expect(() => platform.verify(forged.body, forged.headers)).toThrow('No matching signature found');
    expect(documentedCheck(forged)).toBe(false);

    const sixMinutesLater = Date.now() + 6 * 60_000;
    const clock = jest.spyOn(Date, 'now').mockReturnValue(sixMinutesLater);
    try {
      expect(() => platform.verify(genuine.body, genuine.headers)).toThrow('Message timestamp too old');
    } finally {
      clock.mockRestore();
    }
  });

  it('shows administrators the deliveries and replays one with the same id', async () => {
    const student = await online('student');
    const offline = await user('mentor');
    receiver.answer = () => 503;
    const { call } = await emitWithAck(student.socket, 'startCall', { recipientUserId: offline.id });
    await receiver.until(() => receiver.received.some((r) => keyOf(r.event) === call.id));

    const listed = await api(admin).get(`/admin/webhooks/deliveries?orderingKey=${call.id}&status=pending`).expect(200);
    expect(listed.body).toEqual({ items: [expect.objectContaining({ type: 'call.missed', status: 'pending' })], nextCursor: null });
    const [pending] = listed.body.items as WebhookDeliveryView[];
    // Still being tried: nothing to replay yet.
    expect((await api(admin).post(`/admin/webhooks/deliveries/${pending.id}/replay`).expect(409)).body).toMatchObject({
      code: 'invalid_state',
    });

    receiver.answer = () => 204;
    await receiver.until(() => acceptedOf(call.id).length === 1);
    await eventually(async () => {
      const delivered = await api(admin).get(`/admin/webhooks/deliveries/${pending.id}`).expect(200);
      expect(delivered.body).toMatchObject({
        status: 'delivered',
        deliveredAt: ISO,
        nextAttemptAt: null,
        event: acceptedOf(call.id)[0].event,
      });
    });

    const replayed = await api(admin).post(`/admin/webhooks/deliveries/${pending.id}/replay`).expect(200);
    expect(replayed.body).toMatchObject({ id: pending.id, status: 'pending', attempts: 0 });
    await receiver.until(() => acceptedOf(call.id).length === 2);
    const [first, again] = acceptedOf(call.id);
    expect(again.event.id).toBe(first.event.id);
    expect(again.body).toBe(first.body);

    // Only administrators, and only what exists.
    expect((await api(student).get('/admin/webhooks/deliveries').expect(403)).body).toMatchObject({ code: 'forbidden' });
    expect((await api(student).post(`/admin/webhooks/deliveries/${pending.id}/replay`).expect(403)).body).toMatchObject({
      code: 'forbidden',
    });
    expect((await api(admin).get('/admin/webhooks/deliveries/no-such-event').expect(404)).body).toMatchObject({ code: 'not_found' });
    expect((await api(admin).post('/admin/webhooks/deliveries/no-such-event/replay').expect(404)).body).toMatchObject({
      code: 'not_found',
    });
    for (const query of ['status=lost', 'limit=0', 'limit=101', 'cursor=nonsense']) {
      expect((await api(admin).get(`/admin/webhooks/deliveries?${query}`).expect(400)).body).toMatchObject({ code: 'validation_failed' });
    }
  });

  it('pages through the deliveries, newest first', async () => {
    await talkedCall();
    const first = await api(admin).get('/admin/webhooks/deliveries?limit=2').expect(200);
    expect(first.body.items).toHaveLength(2);
    const second = await api(admin).get(`/admin/webhooks/deliveries?limit=2&cursor=${first.body.nextCursor}`).expect(200);
    const seen = [...first.body.items, ...second.body.items].map((d: WebhookDeliveryView) => d.createdAt);
    expect(seen).toEqual([...seen].sort().reverse());
    expect(new Set([...first.body.items, ...second.body.items].map((d: WebhookDeliveryView) => d.id)).size).toBe(4);
  });

  it("sends other calls' events while the platform has not answered one call's", async () => {
    const waitedFor = await online('student');
    receiver.answer = ({ event }) => ('call' in event.data && event.data.call.hostUserId === waitedFor.id ? 'hang' : 204);
    const first = await talkedCall(waitedFor);
    await receiver.until(() => receiver.received.some((r) => keyOf(r.event) === first.callId));
    const others = await Promise.all([1, 2, 3].map(() => talkedCall()));
    await receiver.until(() => others.every(({ callId }) => acceptedOf(callId).length === 3));
    // The first call's event is still waiting for its answer: it was tried once, and nothing of that call came after it.
    expect(receiver.received.filter((r) => keyOf(r.event) === first.callId).map((r) => `${r.event.type} ${r.attempt}`)).toEqual([
      'call.calling 1',
    ]);
    // Once the platform answers, the first call's events follow, in order.
    receiver.answer = () => 204;
    receiver.answerHanging(204);
    await receiver.until(() => acceptedOf(first.callId).length === 3);
    expect(typesOf(first.callId)).toEqual(['call.calling', 'call.active', 'call.ended']);
  });

  it('answers the admin routes as the OpenAPI document says, with every kind of event', async () => {
    const document = (await request(t.url).get('/docs-json').expect(200)).body as OpenAPIObject;
    const checker = new ResponseChecker(document);
    const problems: string[] = [];
    const check = async (key: string, pending: request.Test) => {
      const response = await pending;
      problems.push(...checker.problems(key, response.status, response.headers['content-type'], response.body));
      return response;
    };
    const page = await check('GET /admin/webhooks/deliveries', api(admin).get('/admin/webhooks/deliveries?limit=100'));
    // The suite's earlier tests left every kind: call moves, help request moves and feedback.
    const types = new Set((page.body.items as WebhookDeliveryView[]).map((d) => d.type));
    expect([...types]).toEqual(
      expect.arrayContaining(['call.calling', 'call.ended', 'call.missed', 'help_request.accepted', 'call.feedback']),
    );
    const delivered = (page.body.items as WebhookDeliveryView[]).find((d) => d.status === 'delivered')!;
    await check('GET /admin/webhooks/deliveries/{id}', api(admin).get(`/admin/webhooks/deliveries/${delivered.id}`));
    await check('GET /admin/webhooks/deliveries/{id}', api(admin).get('/admin/webhooks/deliveries/none'));
    await check('GET /admin/webhooks/deliveries', api(admin).get('/admin/webhooks/deliveries?status=lost'));
    await check('POST /admin/webhooks/deliveries/{id}/replay', api(admin).post(`/admin/webhooks/deliveries/${delivered.id}/replay`));
    expect(problems).toEqual([]);
  });
});
