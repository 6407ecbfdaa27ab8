import { randomBytes } from 'node:crypto';
import { authorized, type AuthorizedRequests } from './api';
import { eventually } from './cluster';
import { collect, connectAs } from './parties';
import { emitWithAck, nextEvent, nextMatching, type TestSocket } from './sockets';
import { registerUser, type RegisteredUser, type Role } from './users';

/**
 * The help queue's must-show scenarios, for one app (PGlite) and for two instances (PostgreSQL and
 * Redis): the n-th party of a scenario is on `urls[n % urls.length]`. Run with
 * HELP_ESCALATE_AFTER_MS=1500 and HELP_RESERVATION_MS=2500.
 */
export interface HelpWorld {
  urls: string[];
  /** Every socket opened, for the suite to close. */
  sockets: TestSocket[];
}

interface Party extends RegisteredUser {
  socket: TestSocket;
  api: AuthorizedRequests;
}

async function party(world: HelpWorld, role: Role, n: number): Promise<Party> {
  const url = world.urls[n % world.urls.length];
  const user = await registerUser(url, role);
  const socket = await connectAs(url, user);
  world.sockets.push(socket);
  return { ...user, socket, api: authorized(url, user) };
}

/** A topic of this run only, so the suite's other requests are in other queues. */
const topicNamed = (name: string) => `${name} ${randomBytes(3).toString('hex')}`;

/** A round trip on the socket: what was sent to it before has arrived. */
const settled = (socket: TestSocket) => emitWithAck(socket, 'presence_unsubscribe', {});

/** Five students wait in one queue; three mentors take them one by one from the head, the first after a race. */
export async function positionsAsMentorsAccept(world: HelpWorld): Promise<void> {
  const topic = topicNamed('Fractions');
  const mentors = await Promise.all([0, 1, 2].map((n) => party(world, 'mentor', n)));
  const counted = nextMatching(
    mentors[1].socket,
    'help_queue_changed',
    (count) => count.topics.some((t) => t.topic === topic.toLowerCase() && t.waiting === 5),
    10_000,
  );
  const students: Array<Party & { requestId: string }> = [];
  for (let n = 0; n < 5; n++) {
    const student = await party(world, 'student', n);
    const heard = [...students, student].map((s) => nextMatching(s.socket, 'help_request_position', (p) => p.waiting === n + 1));
    const { request } = await emitWithAck(student.socket, 'student_request_help', { topic });
    expect(request).toMatchObject({ status: 'waiting', stage: 'everyone', queue: { position: n + 1, waiting: n + 1 } });
    const places = await Promise.all(heard);
    expect(places.map((p) => p.position)).toEqual(places.map((_, i) => i + 1));
    expect(places[n]).toMatchObject({ request_id: request.id, requestId: request.id, stage: 'everyone' });
    students.push({ ...student, requestId: request.id });
  }
  await counted;

  const { body: queue } = await mentors[0].api.get('/help-requests?status=waiting').expect(200);
  const ours = (queue as Array<{ id: string; topic: string; queue: { position: number } }>).filter((r) => r.topic === topic);
  expect(ours.map((r) => [r.id, r.queue.position])).toEqual(students.map((s, i) => [s.requestId, i + 1]));
  const { body: fourth } = await students[3].api.get(`/help-requests/${students[3].requestId}`).expect(200);
  expect(fourth.queue).toMatchObject({ position: 4, waiting: 5 });

  for (let round = 0; round < 5; round++) {
    const head = students[round];
    const rest = students.slice(round + 1);
    const heard = rest.map((s) => nextMatching(s.socket, 'help_request_position', (p) => p.waiting === rest.length));
    const accepted = nextEvent(head.socket, 'help_request_accepted');
    // The first round, every mentor at once (on both instances, in the cluster): exactly one wins.
    const racing = round === 0 ? mentors : [mentors[round % mentors.length]];
    const answers = await Promise.all(racing.map((m) => m.api.post(`/help-requests/${head.requestId}/accept`)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, ...Array<number>(racing.length - 1).fill(409)]);
    const { body } = answers.find((a) => a.status === 200)!;
    const mentor = racing[answers.findIndex((a) => a.status === 200)];
    expect(body).toMatchObject({ status: 'accepted', acceptedBy: mentor.id, queue: null });
    expect(await accepted).toEqual({
      request_id: head.requestId,
      mentor_id: mentor.id,
      mentor_name: mentor.displayName,
      reserved_until: body.reservedUntil,
    });
    const places = await Promise.all(heard);
    expect(places.map((p) => p.position)).toEqual(rest.map((_, i) => i + 1));
    // The estimate is the position times the queue's recent time to accept (rounded).
    for (const [i, place] of places.entries()) {
      expect(place.estimated_wait_ms).toEqual(expect.any(Number));
      expect(Math.abs(place.estimated_wait_ms! - (i + 1) * places[0].estimated_wait_ms!)).toBeLessThanOrEqual(i + 1);
    }
    // Withdrawn once taken: no reservation is left to lapse into the next rounds.
    await head.api.post(`/help-requests/${head.requestId}/cancel`).expect(200);
  }
}

/** Offered first to the mentor matched to the topic, to every available one after HELP_ESCALATE_AFTER_MS, and once each. */
export async function stagedEscalation(world: HelpWorld): Promise<void> {
  const topic = topicNamed('Linear Algebra');
  const [matched, unmatched, laterMatched, student] = await Promise.all([
    party(world, 'mentor', 0),
    party(world, 'mentor', 1),
    party(world, 'mentor', 1),
    party(world, 'student', 1),
  ]);
  const { body } = await matched.api
    .put('/users/me/subjects', { subjects: [`  ${topic.toUpperCase()} `, 'Geometry', 'geometry'] })
    .expect(200);
  expect(body).toEqual({ subjects: [topic.toLowerCase(), 'geometry'] });
  await laterMatched.api.put('/users/me/subjects', { subjects: [topic] }).expect(200);
  await emitWithAck(laterMatched.socket, 'mentor_busy', {});

  const toMatched = collect(matched.socket, 'help_request');
  const toUnmatched = collect(unmatched.socket, 'help_request');
  const first = nextEvent(matched.socket, 'help_request');
  // Registered before the request is made: an early offer would be seen.
  const reachedAt = nextMatching(unmatched.socket, 'help_request', (r) => r.topic.startsWith('Linear'), 10_000).then(() => Date.now());
  const askedAt = Date.now();
  const { request } = await emitWithAck(student.socket, 'student_request_help', { topic: topic.replace(' ', '   ') });
  expect(request.stage).toBe('matched');
  expect((await first).request_id).toBe(request.id);

  // A matched mentor who becomes available is offered what waits for them.
  const offeredLater = nextMatching(laterMatched.socket, 'help_request', (r) => r.request_id === request.id);
  await emitWithAck(laterMatched.socket, 'mentor_available', {});
  await offeredLater;

  const escalated = nextMatching(student.socket, 'help_request_position', (p) => p.stage === 'everyone', 10_000);
  // Not before the escalation (HELP_ESCALATE_AFTER_MS, 1 500 ms after the request): the offer came with it.
  expect((await reachedAt) - askedAt).toBeGreaterThanOrEqual(1_400);
  await escalated;
  const { body: now } = await student.api.get(`/help-requests/${request.id}`).expect(200);
  expect(now).toMatchObject({ stage: 'everyone', status: 'waiting', queue: { position: 1, waiting: 1 } });
  await Promise.all([settled(matched.socket), settled(unmatched.socket)]);
  expect(toMatched.filter((r) => r.request_id === request.id)).toHaveLength(1);
  expect(toUnmatched.filter((r) => r.request_id === request.id)).toHaveLength(1);

  // A topic nobody has is offered to every available mentor at once.
  const other = nextMatching(unmatched.socket, 'help_request', (r) => r.topic.startsWith('Poetry'));
  const { request: unmatchedRequest } = await emitWithAck(student.socket, 'student_request_help', { topic: topicNamed('Poetry') });
  expect(unmatchedRequest.stage).toBe('everyone');
  expect((await other).request_id).toBe(unmatchedRequest.id);

  // So is a topic whose matched mentors are, none of them, available.
  await Promise.all([emitWithAck(matched.socket, 'mentor_busy', {}), emitWithAck(laterMatched.socket, 'mentor_busy', {})]);
  const atOnce = nextMatching(unmatched.socket, 'help_request', (r) => r.message === 'the matched mentors are busy');
  const { request: busyRequest } = await emitWithAck(student.socket, 'student_request_help', {
    topic,
    message: 'the matched mentors are busy',
  });
  expect(busyRequest.stage).toBe('everyone');
  expect((await atOnce).request_id).toBe(busyRequest.id);
}

/** A reservation that lapses, and one whose call fails, put the request back at the head; an answered call fulfils it. */
export async function lapsedReservationReturnsToHead(world: HelpWorld): Promise<void> {
  const topic = topicNamed('Chemistry');
  const [first, second, lapsing, failing, calling] = await Promise.all([
    party(world, 'student', 0),
    party(world, 'student', 1),
    party(world, 'mentor', 0),
    party(world, 'mentor', 1),
    party(world, 'mentor', 0),
  ]);
  const asked = async (student: Party) => (await emitWithAck(student.socket, 'student_request_help', { topic })).request.id;
  const firstId = await asked(first);
  await asked(second);

  const offersToLapsing = collect(lapsing.socket, 'help_request');
  const firstTaken = nextMatching(second.socket, 'help_request_position', (p) => p.waiting === 1);
  await lapsing.api.post(`/help-requests/${firstId}/accept`).expect(200);
  await firstTaken;
  const backAtHead = nextMatching(first.socket, 'help_request_position', (p) => p.waiting === 2, 10_000);
  const secondBehind = nextMatching(second.socket, 'help_request_position', (p) => p.waiting === 2, 10_000);
  const reoffered = nextMatching(failing.socket, 'help_request', (r) => r.request_id === firstId, 10_000);
  const lapsed = { request_id: firstId, requestId: firstId, mentor_id: lapsing.id, mentorId: lapsing.id, reason: 'lapsed' };
  expect(await nextEvent(first.socket, 'help_request_requeued', 10_000)).toEqual(lapsed);
  expect(await nextEvent(lapsing.socket, 'help_request_requeued', 10_000)).toEqual(lapsed);
  expect(await backAtHead).toMatchObject({ position: 1 });
  expect(await secondBehind).toMatchObject({ position: 2 });
  await reoffered;
  const { body } = await first.api.get(`/help-requests/${firstId}`).expect(200);
  expect(body).toMatchObject({ status: 'waiting', acceptedBy: null, reservedUntil: null, queue: { position: 1, waiting: 2 } });
  const refused = await lapsing.api.post(`/help-requests/${firstId}/accept`).expect(403);
  expect(refused.body.code).toBe('forbidden');

  // The reserving mentor's call declined: back again, with the reason.
  await failing.api.post(`/help-requests/${firstId}/accept`).expect(200);
  const ringing = nextEvent(first.socket, 'incomingCall');
  const { call: failed } = await emitWithAck(failing.socket, 'startCall', { recipientUserId: first.id });
  await ringing;
  const failedBack = nextEvent(first.socket, 'help_request_requeued', 10_000);
  await emitWithAck(first.socket, 'declineCall', { callId: failed.id });
  expect(await failedBack).toMatchObject({ mentor_id: failing.id, reason: 'call_failed' });

  // Answered: fulfilled by that call.
  await calling.api.post(`/help-requests/${firstId}/accept`).expect(200);
  const rings = nextEvent(first.socket, 'incomingCall');
  const { call } = await emitWithAck(calling.socket, 'startCall', { recipientUserId: first.id });
  await rings;
  await emitWithAck(first.socket, 'acceptCall', { callId: call.id });
  await eventually(async () => {
    const { body: done } = await first.api.get(`/help-requests/${firstId}`).expect(200);
    expect(done).toMatchObject({ status: 'fulfilled', callId: call.id, acceptedBy: calling.id, queue: null });
  });
  await emitWithAck(calling.socket, 'leaveCall', { callId: call.id });
  // Offered it only before its reservation, though it went back twice (checked last: any offer has arrived by now).
  expect(offersToLapsing.filter((r) => r.request_id === firstId)).toHaveLength(0);
}

/** A call ringing when the reservation ends is waited for: answered after the end, it still fulfils the request. */
export async function callRingingPastReservation(world: HelpWorld): Promise<void> {
  const topic = topicNamed('Geography');
  const [student, mentor] = await Promise.all([party(world, 'student', 0), party(world, 'mentor', 1)]);
  const { request } = await emitWithAck(student.socket, 'student_request_help', { topic });
  const { body: reserved } = await mentor.api.post(`/help-requests/${request.id}/accept`).expect(200);
  const rings = nextEvent(student.socket, 'incomingCall');
  const { call } = await emitWithAck(mentor.socket, 'startCall', { recipientUserId: student.id });
  await rings;
  const requeued = collect(student.socket, 'help_request_requeued');
  // The reservation ends while the call rings, and the check after it (RECHECK_MS) passes too.
  await new Promise((done) => setTimeout(done, Date.parse(reserved.reservedUntil) - Date.now() + 1_500));
  const { body: waiting } = await student.api.get(`/help-requests/${request.id}`).expect(200);
  expect(waiting).toMatchObject({ status: 'accepted', acceptedBy: mentor.id });
  await emitWithAck(student.socket, 'acceptCall', { callId: call.id });
  await eventually(async () => {
    const { body: done } = await student.api.get(`/help-requests/${request.id}`).expect(200);
    expect(done).toMatchObject({ status: 'fulfilled', callId: call.id });
  });
  expect(requeued).toEqual([]);
  await emitWithAck(mentor.socket, 'leaveCall', { callId: call.id });
}
