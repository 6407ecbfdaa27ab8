import { emitWithAck } from './helpers/sockets';
import { useTestApp } from './helpers/suite';

describe('POST /calls/:id/feedback: the parties rate a call once it is over (e2e)', () => {
  const { online, user, api } = useTestApp();

  /** An ACTIVE call between a student and a mentor, and how to end it. */
  async function activeCall() {
    const student = await online('student');
    const mentor = await online('mentor');
    const { call } = await emitWithAck(student.socket, 'startCall', { recipientUserId: mentor.id });
    await emitWithAck(mentor.socket, 'acceptCall', { callId: call.id });
    const end = () => api(student).delete(`/calls/${call.id}`).expect(200);
    return { student, mentor, callId: call.id as string, end };
  }

  it('takes each party’s feedback once, after the end, and shows both in GET /calls/:id', async () => {
    const { student, mentor, callId, end } = await activeCall();
    const feedback = (who: { token: string }, body: object) => api(who).post(`/calls/${callId}/feedback`, body);

    // Not while the call is open, and nothing is stored.
    expect((await feedback(student, { rating: 5 }).expect(409)).body).toMatchObject({ code: 'invalid_state' });
    await end();

    const { body: given } = await feedback(student, { rating: 2, issues: ['poor_audio', 'dropped'], comment: 'Robotic voice' }).expect(201);
    expect(given).toEqual({
      callId,
      userId: student.id,
      rating: 2,
      issues: ['poor_audio', 'dropped'],
      comment: 'Robotic voice',
      createdAt: expect.any(String),
    });
    await feedback(mentor, { rating: 5 }).expect(201);
    // Once: a second rating is refused and the first stands.
    expect((await feedback(student, { rating: 5 }).expect(409)).body).toMatchObject({ code: 'invalid_state' });

    for (const party of [student, mentor]) {
      const { body: call } = await api(party).get(`/calls/${callId}`).expect(200);
      expect(call.feedback).toEqual([
        given,
        { callId, userId: mentor.id, rating: 5, issues: [], comment: null, createdAt: expect.any(String) },
      ]);
    }
  });

  it('refuses bad feedback with validation_failed, and an outsider with not_found, storing nothing', async () => {
    const { student, callId, end } = await activeCall();
    await end();
    const outsider = await user('student');
    for (const body of [
      {},
      { rating: 0 },
      { rating: 6 },
      { rating: 4.5 },
      { rating: '5' },
      { rating: 3, issues: ['bad_vibes'] },
      { rating: 3, issues: ['echo', 'echo'] },
      { rating: 3, issues: 'echo' },
      { rating: 3, comment: 'x'.repeat(1001) },
    ]) {
      expect((await api(student).post(`/calls/${callId}/feedback`, body).expect(400)).body).toMatchObject({ code: 'validation_failed' });
    }
    expect((await api(outsider).post(`/calls/${callId}/feedback`, { rating: 1 }).expect(404)).body).toMatchObject({ code: 'not_found' });
    expect((await api(student).get(`/calls/${callId}`).expect(200)).body.feedback).toEqual([]);
  });

  it('stores one of two ratings sent at once by the same party', async () => {
    const { student, callId, end } = await activeCall();
    await end();
    const replies = await Promise.all([4, 1].map((rating) => api(student).post(`/calls/${callId}/feedback`, { rating })));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409]);
    const stored = (await api(student).get(`/calls/${callId}`).expect(200)).body.feedback;
    expect(stored).toEqual([replies.find((r) => r.status === 201)!.body]);
  });
});
