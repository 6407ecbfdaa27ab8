import { collect } from './helpers/parties';
import { emitWithAck, nextEvent, TestSocket } from './helpers/sockets';
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
    expect(ack).toMatchObject({ ok: true, request: { status: 'open', topic: 'Fractions' } });
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
    expect(await accepted).toEqual({ request_id: requestId, mentor_id: winner.id, mentor_name: winner.displayName });

    const ringing = nextEvent(s, 'incoming_call');
    const call = await emitWithAck(winnerSocket, 'initiate_call', { to_user_id: student.id, call_type: 'video' });
    expect((await ringing).call_id).toBe(call.call.id);
    // The round trips above are done; every loser has heard the request is taken.
    await Promise.all(mentors.map(([u, socket]) => emitWithAck(socket, 'authenticate', { token: u.token })));
    expect(taken.map((seen) => seen.length)).toEqual(mentors.map(([u]) => (u.id === winner.id ? 0 : 1)));
    expect(busySaw).toEqual([]);
    expect(tutorSaw).toEqual([]);
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
    expect(forStudent).toEqual({ request_id: second });
    expect(forTutor).toEqual({ request_id: second });
  });

  it('keeps each side to its role', async () => {
    const [, s] = await online('student');
    const [, m] = await online('mentor');
    expect(await emitWithAck(m, 'student_request_help', { topic: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const id = (await emitWithAck(s, 'student_request_help', { topic: 'x' })).request.id;
    expect(await emitWithAck(s, 'accept_help_request', { request_id: id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emitWithAck(s, 'student_request_help', { topic: '' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });
});
