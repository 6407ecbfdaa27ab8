import { authenticated, collect } from './helpers/parties';
import { connectSocket, emitRaw, emitWithAck, nextEvent, nextMatching, TestSocket } from './helpers/sockets';
import { SHARED_TIMERS, SharedTimers } from '../src/cluster/shared-timers';
import { randomBytes } from 'node:crypto';
import { ClientOfflineError } from 'redis';
import { PrismaService } from '../src/database/prisma.service';
import { ChatService } from '../src/chat/chat.service';
import { PresenceService } from '../src/presence/presence.service';
import { SHARED_STATE, SharedState } from '../src/cluster/shared-state';
import { settleBackground } from '../src/common/background';
import { useTestApp } from './helpers/suite';
import type { RegisteredUser, Role } from './helpers/users';

describe('help requests (e2e)', () => {
  const suite = useTestApp({ HELP_REQUEST_TTL_MS: '1500' });
  /** A user of `role` with a socket that declares the instant dialect. */
  const online = async (role: Role, name?: string): Promise<[RegisteredUser, TestSocket]> => {
    const { socket, ...user } = await suite.online(role, name, 'instant');
    return [user, socket];
  };

  it('goes to available mentors of the asked kind; five accepting at once, exactly one wins; then the winner calls', async () => {
    const [student, s] = await online('student', 'Ada');
    const mentors = await Promise.all(Array.from({ length: 5 }, () => online('mentor')));
    const [, busyMentor] = await online('mentor');
    await emitWithAck(busyMentor, 'mentor_busy', {});
    const [, tutor] = await online('tutor');
    const busySaw = collect(busyMentor, 'help_request');
    const tutorSaw = collect(tutor, 'help_request');
    const offers = mentors.map(([, socket]) => nextEvent(socket, 'help_request'));
    const ack = await emitWithAck(s, 'student_request_help', { topic: 'Fractions', message: 'Stuck on 3/4 ÷ 1/2', target_type: 'mentor' });
    expect(ack).toMatchObject({ ok: true, request: { status: 'waiting', topic: 'Fractions', queue: { position: 1, waiting: 1 } } });
    const requestId = ack.request.id;
    for (const offer of await Promise.all(offers)) {
      expect(offer).toEqual({
        request_id: requestId,
        student_id: student.id,
        student_name: 'Ada',
        topic: 'Fractions',
        message: 'Stuck on 3/4 ÷ 1/2',
      });
    }

    const accepted = nextEvent(s, 'help_request_accepted');
    const taken = mentors.map(([, socket]) => collect(socket, 'help_request_taken'));
    const acks = await Promise.all(mentors.map(([, socket]) => emitWithAck(socket, 'accept_help_request', { request_id: requestId })));
    const winners = acks.map((a, i) => (a.ok ? i : -1)).filter((i) => i >= 0);
    expect(winners).toHaveLength(1);
    for (const a of acks.filter((x) => !x.ok)) expect(a.error.code).toBe('invalid_state');
    const [winner, winnerSocket] = mentors[winners[0]];
    expect(await accepted).toEqual({
      request_id: requestId,
      mentor_id: winner.id,
      mentor_name: winner.displayName,
      reserved_until: acks[winners[0]].request.reservedUntil,
    });

    const ringing = nextEvent(s, 'incoming_call');
    const call = await emitWithAck(winnerSocket, 'initiate_call', { to_user_id: student.id, call_type: 'video' });
    expect((await ringing).call_id).toBe(call.call.id);
    // The round trips above are done; every loser has heard the request is taken.
    await Promise.all(mentors.map(([u, socket]) => emitWithAck(socket, 'authenticate', { token: u.token })));
    expect(taken.map((seen) => seen.length)).toEqual(mentors.map(([u]) => (u.id === winner.id ? 0 : 1)));
    expect(busySaw).toEqual([]);
    expect(tutorSaw).toEqual([]);
  });

  it('lets a student have only so many requests waiting at once, however many are sent together', async () => {
    const [, s] = await online('student');
    const acks = await Promise.all(Array.from({ length: 8 }, (_, i) => emitWithAck(s, 'student_request_help', { topic: `Topic ${i}` })));
    const made = acks.filter((ack) => ack.ok);
    expect(made).toHaveLength(5);
    for (const ack of acks.filter((a) => !a.ok)) {
      expect(ack.error).toMatchObject({ code: 'rate_limited', message: expect.stringContaining('At most 5 help requests') });
    }
    expect(await emitWithAck(s, 'cancel_help_request', { request_id: made[0].request.id })).toMatchObject({ ok: true });
    const oneMore = await emitWithAck(s, 'student_request_help', { topic: 'One more' });
    expect(oneMore).toMatchObject({ ok: true });
    // None left waiting for the mentors of the tests after this one.
    for (const { request } of [...made.slice(1), oneMore]) await emitWithAck(s, 'cancel_help_request', { request_id: request.id });
  });

  it('keeps a reservation when a call placed before it fails', async () => {
    const [student, s] = await online('student');
    const [mentor, m] = await online('mentor');
    const { request } = await emitWithAck(s, 'student_request_help', { topic: 'Kinematics' });
    // The student was already calling the mentor when the mentor took the request.
    const ringing = nextEvent(m, 'incoming_call');
    await emitWithAck(s, 'initiate_call', { to_user_id: mentor.id, call_type: 'audio' });
    const callId = (await ringing).call_id;
    expect(await emitWithAck(m, 'accept_help_request', { request_id: request.id })).toMatchObject({ ok: true });
    const requeued = collect(s, 'help_request_requeued');
    const over = nextEvent(s, 'call_rejected');
    await emitWithAck(m, 'reject_call', { call_id: callId });
    await over;
    await settleBackground(); // what the call's move set off (the reservation's check among it)
    const { body } = await suite.api(student).get(`/help-requests/${request.id}`).expect(200);
    expect(body).toMatchObject({ status: 'accepted', acceptedBy: mentor.id });
    expect(requeued).toEqual([]);
    await emitWithAck(s, 'cancel_help_request', { request_id: request.id });
  });

  it('lets the student cancel, and expires what nobody takes', async () => {
    const [, s] = await online('student');
    const [, m] = await online('tutor');
    const offered = nextEvent(m, 'help_request');
    const first = (await emitWithAck(s, 'student_request_help', { topic: 'Essay' })).request.id;
    await offered;
    const cancelled = nextEvent(m, 'help_request_cancelled');
    expect(await emitWithAck(s, 'cancel_help_request', { request_id: first })).toMatchObject({
      ok: true,
      request: { status: 'cancelled' },
    });
    expect(await cancelled).toEqual({ request_id: first });
    expect(await emitWithAck(m, 'accept_help_request', { request_id: first })).toMatchObject({
      ok: false,
      error: { code: 'invalid_state' },
    });

    const second = (await emitWithAck(s, 'student_request_help', { topic: 'Chemistry' })).request.id;
    const [forStudent, forTutor] = await Promise.all([
      nextEvent(s, 'help_request_expired', 4000),
      nextEvent(m, 'help_request_expired', 4000),
    ]);
    expect(forStudent).toEqual({ request_id: second, can_leave_message: true });
    expect(forTutor).toEqual({ request_id: second });
  });

  it("sets a new request's timer though Redis was briefly away just after it was stored", async () => {
    const [, s] = await online('student');
    const timers = suite.t.app.get<SharedTimers>(SHARED_TIMERS);
    const schedule = timers.schedule.bind(timers);
    let refusals = 0;
    const spy = jest.spyOn(timers, 'schedule').mockImplementation(async (kind, ...rest) => {
      if (kind === 'help-expiry' && refusals++ === 0) throw new ClientOfflineError();
      return schedule(kind, ...rest);
    });
    const expired = nextEvent(s, 'help_request_expired', 4000);
    const ack = await emitWithAck(s, 'student_request_help', { topic: 'Acoustics' });
    spy.mockRestore();
    expect(ack).toMatchObject({ ok: true, request: { status: 'waiting' } });
    expect(refusals).toBeGreaterThan(1);
    expect(await expired).toEqual({ request_id: ack.request.id, can_leave_message: true });
  });

  it('refuses an acceptance that a cancellation overtook: the student is not told of it, and nothing is reserved', async () => {
    const [, s] = await online('student');
    const [, m] = await online('mentor');
    const offered = nextEvent(m, 'help_request');
    const { id } = (await emitWithAck(s, 'student_request_help', { topic: 'Optics' })).request;
    await offered;
    // The acceptance is moved, then held before it reserves, while the student cancels.
    const timers = suite.t.app.get<SharedTimers>(SHARED_TIMERS);
    const schedule = timers.schedule.bind(timers);
    let reserving!: () => void;
    const reached = new Promise<void>((done) => (reserving = done));
    let release!: () => void;
    const held = new Promise<void>((done) => (release = done));
    const spy = jest.spyOn(timers, 'schedule').mockImplementation(async (kind, ...rest) => {
      if (kind === 'help-reservation') {
        reserving();
        await held;
      }
      return schedule(kind, ...rest);
    });
    const toStudent = collect(s, 'help_request_accepted');
    const accepting = emitWithAck(m, 'accept_help_request', { request_id: id });
    await reached;
    expect(await emitWithAck(s, 'cancel_help_request', { request_id: id })).toMatchObject({ ok: true, request: { status: 'cancelled' } });
    release();
    expect(await accepting).toMatchObject({ ok: false, error: { code: 'invalid_state' } });
    spy.mockRestore();
    // Nothing reserved: the student may ask again and be accepted by the same mentor.
    const again = (await emitWithAck(s, 'student_request_help', { topic: 'Optics' })).request.id;
    expect(await emitWithAck(m, 'accept_help_request', { request_id: again })).toMatchObject({ ok: true });
    expect(toStudent.filter((event) => event.request_id === id)).toEqual([]);
  });

  it('expires a request whose time ran out during its reservation when the call fails, instead of offering it again', async () => {
    const [student, s] = await online('student');
    const [, m] = await online('tutor');
    const [, other] = await online('tutor');
    const asked = (await emitWithAck(s, 'student_request_help', { topic: 'Optics', target_type: 'tutor' })).request;
    expect((await emitWithAck(m, 'accept_help_request', { request_id: asked.id })).ok).toBe(true);
    const ringing = nextEvent(s, 'incoming_call');
    await emitWithAck(m, 'initiate_call', { to_user_id: student.id, call_type: 'video' });
    const callId = (await ringing).call_id;
    // The request's own time (HELP_REQUEST_TTL_MS) runs out while the tutor holds it.
    await new Promise((passed) => setTimeout(passed, new Date(asked.expiresAt).getTime() - Date.now() + 50));
    const offeredAgain = collect(other, 'help_request');
    const expired = nextEvent(s, 'help_request_expired');
    await emitWithAck(s, 'reject_call', { call_id: callId });
    expect(await expired).toEqual({ request_id: asked.id, can_leave_message: true });
    expect(offeredAgain).toEqual([]);
  });

  it('keeps each side to its role', async () => {
    const [, s] = await online('student');
    const [, m] = await online('mentor');
    expect(await emitWithAck(m, 'student_request_help', { topic: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const id = (await emitWithAck(s, 'student_request_help', { topic: 'x' })).request.id;
    expect(await emitWithAck(s, 'accept_help_request', { request_id: id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emitWithAck(s, 'student_request_help', { topic: '' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('lets the student of an expired request leave a message for the mentors of its topic, once', async () => {
    const [student, s] = await online('student', 'Noor');
    const [matched, matchedSocket] = await online('mentor');
    const [, unmatchedSocket] = await online('mentor');
    await suite
      .api(matched)
      .put('/users/me/subjects', { subjects: ['Organic chemistry'] })
      .expect(200);
    const toUnmatched = collect(unmatchedSocket, 'new_message');
    const { request } = await emitWithAck(s, 'student_request_help', { topic: 'Organic  Chemistry' });
    expect(await emitWithAck(s, 'leave_help_message', { request_id: request.id, text: 'Too early' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_state' },
    });
    expect(await nextEvent(s, 'help_request_expired', 4000)).toEqual({ request_id: request.id, can_leave_message: true });

    const received = nextEvent(matchedSocket, 'new_message');
    const left = await emitWithAck(s, 'leave_help_message', { request_id: request.id, text: 'How does chirality work?' });
    expect(left).toMatchObject({ ok: true, mentors: 1, request: { id: request.id, status: 'expired' } });
    const { message } = await received;
    expect(message).toMatchObject({ senderId: student.id, text: 'Help with "Organic  Chemistry": How does chirality work?' });
    const answer = nextEvent(s, 'new_message');
    await emitWithAck(matchedSocket, 'send_message', { conversation_id: message.conversationId, text: 'Happy to explain' });
    expect((await answer).message).toMatchObject({ senderId: matched.id, text: 'Happy to explain' });

    const again = await suite.api(student).post(`/help-requests/${request.id}/message`, { text: 'Anyone?' }).expect(409);
    expect(again.body).toMatchObject({ code: 'invalid_state', message: 'A message was already left for this help request' });
    await emitWithAck(unmatchedSocket, 'presence_unsubscribe', {});
    expect(toUnmatched).toEqual([]);
  });

  it('takes a left message to the mentors it can reach, though one of them it cannot', async () => {
    const [, s] = await online('student');
    const mentors = await Promise.all(['Ama', 'Bo'].map((name) => online('mentor', name)));
    for (const [mentor] of mentors)
      await suite
        .api(mentor)
        .put('/users/me/subjects', { subjects: ['Acoustics'] })
        .expect(200);
    const { request } = await emitWithAck(s, 'student_request_help', { topic: 'Acoustics' });
    await nextEvent(s, 'help_request_expired', 4000);
    // The first of them (by name) cannot be written to for a moment.
    jest.spyOn(suite.t.app.get(ChatService), 'send').mockRejectedValueOnce(new Error('the database is briefly away'));
    const toBo = nextEvent(mentors[1][1], 'new_message');
    expect(await emitWithAck(s, 'leave_help_message', { request_id: request.id, text: 'Why do echoes fade?' })).toMatchObject({
      ok: true,
      mentors: 1,
    });
    expect((await toBo).message).toMatchObject({ text: 'Help with "Acoustics": Why do echoes fade?' });
  });

  it('answers the REST routes for asking, reading, listing and taking, and refuses what a role may not do', async () => {
    const student = await suite.user('student');
    const stranger = await suite.user('student');
    const mentor = await suite.user('mentor');
    const tutor = await suite.user('tutor');
    const created = await suite
      .api(student)
      .post('/help-requests', { topic: 'Derivatives', targetType: 'tutor', urgency: 'high' })
      .expect(201);
    expect(created.body).toMatchObject({ status: 'waiting', targetType: 'tutor', urgency: 'high', queue: { position: 1, waiting: 1 } });
    const id = created.body.id as string;
    await suite.api(stranger).get(`/help-requests/${id}`).expect(404);
    await suite.api(mentor).get(`/help-requests/${id}`).expect(404);
    expect((await suite.api(tutor).get(`/help-requests/${id}`).expect(200)).body.id).toBe(id);
    expect((await suite.api(mentor).post(`/help-requests/${id}/accept`).expect(403)).body.message).toBe('This help request is for a tutor');
    await suite.api(mentor).post('/help-requests', { topic: 'x' }).expect(403);
    await suite.api(student).post('/help-requests', { topic: '' }).expect(400);
    await suite.api(student).post('/help-requests', { topic: 'x', targetType: 'admin' }).expect(400);
    const mismatch = await suite.api(student).post('/help-requests', { topic: 'x', mentorId: tutor.id, targetType: 'mentor' }).expect(400);
    expect(mismatch.body.details).toEqual({ targetType: ['must be tutor or absent'] });
    await suite.api(student).get('/help-requests?status=open').expect(400);
    await suite
      .api(student)
      .put('/users/me/subjects', { subjects: ['x'] })
      .expect(403);
    await suite.api(mentor).put('/users/me/subjects', { subjects: 'x' }).expect(400);
    expect((await suite.api(mentor).get('/users/me/subjects').expect(200)).body).toEqual({ subjects: [] });

    const mine = await suite.api(student).get('/help-requests').expect(200);
    expect(mine.body.map((r: { id: string }) => r.id)).toEqual([id]);
    await suite.api(tutor).post(`/help-requests/${id}/accept`).expect(200);
    await suite.api(tutor).post(`/help-requests/${id}/accept`).expect(409);
    const taken = await suite.api(tutor).get('/help-requests?status=accepted').expect(200);
    expect(taken.body).toEqual([expect.objectContaining({ id, status: 'accepted', acceptedBy: tutor.id, queue: null })]);
    expect((await suite.api(student).post(`/help-requests/${id}/cancel`).expect(200)).body.status).toBe('cancelled');
    await suite.api(student).post(`/help-requests/${id}/cancel`).expect(409);
    await suite.api(stranger).post(`/help-requests/${id}/cancel`).expect(404);
    // Once it no longer waits, only its student and its taker see it.
    const otherTutor = await suite.user('tutor');
    await suite.api(otherTutor).get(`/help-requests/${id}`).expect(404);
    await suite.api(tutor).get(`/help-requests/${id}`).expect(200);
  });

  it('offers a request sent to one mentor who was offline when they come online', async () => {
    const [, s] = await online('student');
    const mentor = await suite.user('mentor');
    // The InstantMentor app's words name the one mentor asked.
    const asked = await emitRaw(s, 'student_request_help', { mentorId: mentor.id, subject: 'Statics' });
    const { request } = asked as unknown as { request: { id: string } };
    // Listening from the start: the offer may come in the same read as `authenticated`.
    const socket = suite.track(connectSocket(suite.t.url, { token: mentor.token, dialect: 'instant' }));
    const offered = nextEvent(socket, 'help_request');
    await authenticated(socket);
    expect(await offered).toMatchObject({ request_id: request.id, topic: 'Statics' });
    expect(await emitWithAck(socket, 'accept_help_request', { request_id: request.id })).toMatchObject({ ok: true });
  });
});

describe('help requests and presence (e2e)', () => {
  // A request waits long enough for its mentor to be gone past a short grace, and back.
  const again = useTestApp({ PRESENCE_GRACE_MS: '300' });

  it('offers what still waits again to a mentor who went offline and came back (a new app remembers nothing)', async () => {
    const student = await again.user('student');
    const s = await again.open(student);
    const mentor = await again.user('mentor');
    const first = again.track(connectSocket(again.t.url, { token: mentor.token, dialect: 'instant' }));
    await authenticated(first);
    const offered = nextEvent(first, 'help_request');
    const { request } = await emitWithAck(s, 'student_request_help', { topic: 'Thermodynamics' });
    expect((await offered).request_id).toBe(request.id);
    // Gone past the presence grace (the student hears it), then back.
    const gone = nextMatching(s, 'user_offline', (e) => e.user_id === mentor.id, 10_000);
    first.disconnect();
    await gone;
    const back = again.track(connectSocket(again.t.url, { token: mentor.token, dialect: 'instant' }));
    const offeredAgain = nextEvent(back, 'help_request');
    await authenticated(back);
    expect(await offeredAgain).toMatchObject({ request_id: request.id, topic: 'Thermodynamics' });
  }, 20_000);

  it('offers a request sent to one mentor when they come online, though they chose to be busy', async () => {
    const s = await again.open(await again.user('student'));
    const mentor = await again.user('mentor');
    const first = await again.open(mentor, 'instant');
    await emitWithAck(first, 'mentor_busy', {});
    const gone = nextMatching(s, 'user_offline', (e) => e.user_id === mentor.id, 10_000);
    first.disconnect();
    await gone;
    const asked = await emitRaw(s, 'student_request_help', { topic: 'Acoustics', mentorId: mentor.id });
    const { request } = asked as unknown as { request: { id: string } };
    const back = again.track(connectSocket(again.t.url, { token: mentor.token, dialect: 'instant' }));
    const offered = nextEvent(back, 'help_request');
    await authenticated(back);
    expect(await offered).toMatchObject({ request_id: request.id, topic: 'Acoustics' });
  }, 20_000);
});

describe('help requests with many mentors registered (e2e)', () => {
  const many = useTestApp();

  it('reach an available mentor, who is listed too, however many offline mentors were registered before them', async () => {
    // Registered earlier and named before them: the first 600 mentors of any list, all offline.
    const batch = randomBytes(4).toString('hex');
    await many.t.app.get(PrismaService).user.createMany({
      data: Array.from({ length: 600 }, (_, i) => ({
        email: `offline-mentor-${i}-${batch}@example.test`,
        displayName: `Aaron ${String(i).padStart(3, '0')}`,
        role: 'mentor' as const,
      })),
    });
    const { socket: m, ...mentor } = await many.online('mentor', 'Zoe', 'instant');
    const s = await many.open(await many.user('student'));
    const offered = nextEvent(m, 'help_request');
    const { request } = await emitWithAck(s, 'student_request_help', { topic: 'Trigonometry' });
    expect((await offered).request_id).toBe(request.id);
    const { body } = await many.api(mentor).get('/presence/mentors?status=available').expect(200);
    expect(body.map((view: { mentorId: string }) => view.mentorId)).toEqual([mentor.id]);
  });
});

describe('help requests in a rolling deploy (e2e)', () => {
  const deploy = useTestApp();

  it('reach a mentor who came online on an instance of the version before, once this one has looked for them', async () => {
    const { socket: m, ...mentor } = await deploy.online('mentor', undefined, 'instant');
    // Online, but not among the mentors online: an instance of the version before booked them.
    await deploy.t.app.get<SharedState>(SHARED_STATE).sRem('presence:online-mentors', mentor.id);
    await deploy.t.app.get(PresenceService).findMentorsOnline();
    const s = await deploy.open(await deploy.user('student'));
    const offered = nextEvent(m, 'help_request');
    const { request } = await emitWithAck(s, 'student_request_help', { topic: 'Statics' });
    expect((await offered).request_id).toBe(request.id);
  });
});

describe('help requests whose timers were lost (e2e)', () => {
  // The request outlives its reservation and the sweep that finds it lapsed.
  const lost = useTestApp({ HELP_REQUEST_TTL_MS: '3000', HELP_RESERVATION_MS: '300', CALL_SWEEP_INTERVAL_MS: '200' });

  it('expire, and go back to the queue from a lapsed reservation, as their timers would have', async () => {
    const timers = lost.t.app.get<SharedTimers>(SHARED_TIMERS);
    const s = await lost.open(await lost.user('student'), 'instant');
    const { socket: m } = await lost.online('mentor', undefined, 'instant');
    const { socket: other } = await lost.online('mentor', undefined, 'instant');

    const waiting = (await emitWithAck(s, 'student_request_help', { topic: 'Magnetism' })).request.id;
    await timers.cancel('help-expiry', waiting);
    expect(await nextEvent(s, 'help_request_expired', 6000)).toEqual({ request_id: waiting, can_leave_message: true });

    const offered = nextMatching(other, 'help_request', (e) => e.topic === 'Optics');
    const reserved = (await emitWithAck(s, 'student_request_help', { topic: 'Optics' })).request.id;
    await offered;
    expect(await emitWithAck(m, 'accept_help_request', { request_id: reserved })).toMatchObject({ ok: true });
    await timers.cancel('help-reservation', reserved);
    const requeued = nextEvent(s, 'help_request_requeued', 5000);
    expect(await nextMatching(other, 'help_request', (e) => e.request_id === reserved, 5000)).toMatchObject({ topic: 'Optics' });
    expect(await requeued).toMatchObject({ request_id: reserved });
  });
});
