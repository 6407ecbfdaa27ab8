import { CallLimits } from '../src/calls/call-limits.service';
import { collect } from './helpers/parties';
import { emitRaw, emitWithAck, nextEvent, SocketIoDialect, TestSocket, untyped } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import type { RegisteredUser } from './helpers/users';

/** Warnings 2 s and 1 s before the end: a limit of a few seconds shows both. */
const WARNINGS = '2,1';

describe('session limits: warnings, the end at the limit, extensions (e2e)', () => {
  const { t, user, open, raw, api } = useTestApp({ CALL_LIMIT_WARNINGS_S: WARNINGS });

  /** An ACTIVE call of `limit` seconds between a student and a mentor, both on the calls dialect. */
  async function limitedCall(limit: number) {
    const [student, mentor] = [await user('student'), await user('mentor')];
    const [s, m] = [await open(student, 'calls'), await open(mentor, 'calls')];
    const { call } = await emitWithAck(s, 'startCall', { recipientUserId: mentor.id, maxDurationS: limit });
    expect(call).toMatchObject({ maxDurationS: limit, endsAt: null });
    const accepted = await emitWithAck(m, 'acceptCall', { callId: call.id });
    expect(accepted.call.endsAt).toBe(new Date(Date.parse(accepted.call.startedAt!) + limit * 1000).toISOString());
    return { student, mentor, s, m, callId: call.id, endsAt: accepted.call.endsAt! };
  }

  it('warns both parties at each warning time, then ends the call at its limit with time_limit', async () => {
    const { student, s, m, callId, endsAt } = await limitedCall(3);
    const warnings = [collect(s, 'callTimeWarning'), collect(m, 'callTimeWarning')];
    const ended = [nextEvent(s, 'callEnded', 10_000), nextEvent(m, 'callEnded', 10_000)];
    for (const end of await Promise.all(ended)) expect(end).toEqual({ callId, endedBy: null, reason: 'time_limit' });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(endsAt));
    for (const heard of warnings) {
      expect(heard).toEqual([
        { callId, secondsLeft: 2, endsAt },
        { callId, secondsLeft: 1, endsAt },
      ]);
    }
    const { body } = await api(student).get(`/calls/${callId}`).expect(200);
    expect(body).toMatchObject({ status: 'ENDED', endReason: 'time_limit', maxDurationS: 3 });
    expect(body.durationSeconds).toBe(3);
  });

  it('moves the end when the other party grants more time, and warns again before the new end', async () => {
    const { student, mentor, s, m, callId, endsAt } = await limitedCall(2);
    const asked = nextEvent(m, 'extensionRequested');
    const request = await emitWithAck(s, 'requestExtension', { callId, extraS: 2 });
    expect(request.extension).toEqual({ callId, byUserId: student.id, extraS: 2, expiresAt: expect.any(String) });
    expect(await asked).toEqual({ callId, requestedBy: student.id, extraS: 2, expiresAt: request.extension.expiresAt });

    const later = new Date(Date.parse(endsAt) + 2000).toISOString();
    const told = [nextEvent(s, 'callExtended'), nextEvent(m, 'callExtended')];
    const granted = await emitWithAck(m, 'acceptExtension', { callId });
    expect(granted.call).toMatchObject({ maxDurationS: 4, endsAt: later });
    for (const extended of await Promise.all(told)) {
      expect(extended).toEqual({ callId, acceptedBy: mentor.id, extraS: 2, endsAt: later, maxDurationS: 4 });
    }
    const warnings = collect(s, 'callTimeWarning');
    const ended = await nextEvent(s, 'callEnded', 10_000);
    expect(ended).toMatchObject({ reason: 'time_limit' });
    // Not at the first limit: at the new one, warned for it.
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(later));
    expect(warnings.map((w) => [w.secondsLeft, w.endsAt])).toEqual([
      [2, later],
      [1, later],
    ]);
    expect((await api(student).get(`/calls/${callId}`).expect(200)).body).toMatchObject({ endReason: 'time_limit', durationSeconds: 4 });
  });

  it('ends the call at its new limit even when its end was armed again for the old one (a restart reading it before the extension)', async () => {
    const { s, m, callId, endsAt } = await limitedCall(2);
    await emitWithAck(s, 'requestExtension', { callId, extraS: 2 });
    const granted = await emitWithAck(m, 'acceptExtension', { callId });
    const later = granted.call.endsAt!;
    // Another instance starting re-arms the limits it read before the extension was granted.
    await (t.app.get(CallLimits) as unknown as { arm(callId: string, endsAtMs: number): Promise<void> }).arm(callId, Date.parse(endsAt));
    expect(await nextEvent(s, 'callEnded', 10_000)).toMatchObject({ callId, reason: 'time_limit' });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(later));
  });

  it('keeps the limit when the other party refuses, and answers each request once', async () => {
    const { student, mentor, s, m, callId, endsAt } = await limitedCall(3);
    await api(mentor).post(`/calls/${callId}/extension`, { extraS: 600 }).expect(201);
    // One request waits at a time; only the other party answers it.
    expect((await emitWithAck(s, 'requestExtension', { callId, extraS: 5 })).error).toMatchObject({ code: 'invalid_state' });
    expect((await api(mentor).post(`/calls/${callId}/extension/accept`).expect(403)).body).toMatchObject({ code: 'forbidden' });

    const told = [nextEvent(s, 'extensionDeclined'), nextEvent(m, 'extensionDeclined')];
    // The student answers twice at once, from two devices: one answer counts.
    const sPhone = await open(student, 'calls');
    const answers = await Promise.all([emitWithAck(s, 'declineExtension', { callId }), emitWithAck(sPhone, 'acceptExtension', { callId })]);
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.find((a) => !a.ok)?.error).toMatchObject({ code: 'invalid_state' });
    const counted = answers.find((a) => a.ok)!;
    if (counted.call.endsAt !== endsAt) {
      // The accept won: the call was extended instead, and both heard that.
      expect(counted.call.maxDurationS).toBe(603);
      await api(student).delete(`/calls/${callId}`).expect(200);
      return;
    }
    for (const declined of await Promise.all(told)) expect(declined).toEqual({ callId, declinedBy: student.id, extraS: 600 });
    expect(counted.call).toMatchObject({ maxDurationS: 3, endsAt });
    expect((await api(student).post(`/calls/${callId}/extension/decline`).expect(409)).body).toMatchObject({ code: 'invalid_state' });
    expect(await nextEvent(m, 'callEnded', 10_000)).toMatchObject({ reason: 'time_limit' });
  });

  it('refuses bad limits and extensions with the contract codes, changing nothing', async () => {
    const [student, mentor, outsider] = [await user('student'), await user('mentor'), await user('student')];
    const [s] = [await open(student, 'calls'), await open(mentor, 'calls')];
    for (const maxDurationS of [0, -1, 1.5, '60', 86_401]) {
      expect(await emitRaw(s, 'startCall', { recipientUserId: mentor.id, maxDurationS })).toMatchObject({
        ok: false,
        error: { code: 'validation_failed' },
      });
    }
    await api(student).post('/calls/start', { recipientUserId: mentor.id, maxDurationS: 0 }).expect(400);
    // A call with no limit cannot be extended.
    const { body: call } = await api(student).post('/calls/start', { recipientUserId: mentor.id }).expect(201);
    expect(call).toMatchObject({ maxDurationS: null, endsAt: null });
    await api(mentor).post('/calls/accept', { callId: call.id }).expect(200);
    expect((await api(student).post(`/calls/${call.id}/extension`, { extraS: 60 }).expect(409)).body).toMatchObject({
      code: 'invalid_state',
    });
    expect((await api(outsider).post(`/calls/${call.id}/extension`, { extraS: 60 }).expect(404)).body).toMatchObject({ code: 'not_found' });
    for (const extraS of [0, 86_401, 'ten', null]) {
      expect((await api(student).post(`/calls/${call.id}/extension`, { extraS }).expect(400)).body).toMatchObject({
        code: 'validation_failed',
      });
    }
    expect((await api(mentor).post(`/calls/${call.id}/extension/accept`).expect(409)).body).toMatchObject({ code: 'invalid_state' });
    await api(student).delete(`/calls/${call.id}`).expect(200);
  });

  it('takes a limit from every protocol that starts calls', async () => {
    const started: Array<[string, (caller: RegisteredUser, callee: RegisteredUser) => Promise<unknown>]> = [
      ['webrtc', async (c, to) => emitWithAck(await open(c, 'webrtc'), 'webrtc:call', { to: to.id, maxDurationS: 120 })],
      [
        'instant',
        async (c, to) =>
          emitWithAck(await open(c, 'instant'), 'initiate_call', { to_user_id: to.id, call_type: 'audio', max_duration_s: 120 }),
      ],
      [
        'instantmentor',
        async (c, to) =>
          emitRaw(await open(c, 'instantmentor' as SocketIoDialect), 'initiate_call', {
            receiverId: to.id,
            callType: 'video',
            maxDurationS: 120,
          }),
      ],
      [
        'wsCall',
        async (c, to) => {
          const client = await raw(c, '/ws/call/');
          client.send({ action: 'start_call', callee_id: to.id, max_duration_s: 120 });
          return client.next('call_started');
        },
      ],
      [
        'wsSignaling',
        async (c, to) => {
          const client = await raw(c, '/ws/signaling/');
          await client.next('connection_established');
          client.send({
            type: 'call.invite',
            to_user_id: to.id,
            target_type: 'mentor',
            room_id: `limit-${Date.now()}`,
            max_duration_s: 120,
          });
          return client.next('invite.sent');
        },
      ],
    ];
    for (const [surface, start] of started) {
      const [caller, callee] = [await user('student'), await user('mentor')];
      const calleeSocket: TestSocket = await open(callee, 'calls');
      const ringing = nextEvent(calleeSocket, 'incomingCall');
      await start(caller, callee);
      await ringing;
      const { body } = await api(caller).get('/calls/user/current').expect(200);
      expect({ surface, maxDurationS: body.maxDurationS }).toEqual({ surface, maxDurationS: 120 });
      await api(caller).delete(`/calls/${body.id}`).expect(200);
      untyped(calleeSocket).disconnect();
    }
  });
});
