import { CallController, PeerCall, type CallSnapshot, type CallsSocket, type PeerCallOptions } from '@call-signaling/client';
import { collect } from './helpers/parties';
import { emitWithAck, nextEvent, type TestSocket } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import type { RegisteredUser } from './helpers/users';

const GRACE_MS = 10_000;

/** Resolves with the controller's snapshot once `done` holds of it. */
function until(controller: CallController, done: (snapshot: CallSnapshot) => boolean): Promise<CallSnapshot> {
  return new Promise((resolve) => {
    if (done(controller.getSnapshot())) return resolve(controller.getSnapshot());
    const stop = controller.subscribe(() => {
      if (!done(controller.getSnapshot())) return;
      stop();
      resolve(controller.getSnapshot());
    });
  });
}

/**
 * A microphone and no camera: all a PeerCall reads of its stream until a peer connects (Node has
 * no RTCPeerConnection, so these tests keep the PeerCall first in its room: nobody to offer to).
 */
function audioOnly(): PeerCallOptions['localStream'] {
  const microphone = { kind: 'audio', enabled: true };
  return {
    getVideoTracks: () => [],
    getAudioTracks: () => [microphone],
    getTracks: () => [microphone],
  } as unknown as PeerCallOptions['localStream'];
}

describe('CallController of the typed client (e2e)', () => {
  const { t, user, open, api } = useTestApp({ RECONNECT_GRACE_MS: String(GRACE_MS) });

  const controllerOf = (socket: TestSocket, who: RegisteredUser) =>
    new CallController({ serverUrl: t.url, socket: socket as unknown as CallsSocket, userId: who.id, token: who.token });

  /** A student and a mentor on the calls protocol, each with a controller. */
  async function parties() {
    const [student, mentor] = [await user('student'), await user('mentor')];
    const [studentSocket, mentorSocket] = [await open(student, 'calls'), await open(mentor, 'calls')];
    return { student, mentor, studentSocket, caller: controllerOf(studentSocket, student), callee: controllerOf(mentorSocket, mentor) };
  }

  it('goes idle on the side that declines or cancels (the server answers the acting device with its ack only)', async () => {
    const { mentor, student, caller, callee } = await parties();
    const { id: declinedId } = await caller.start(mentor.id);
    await until(callee, (s) => s.phase === 'incoming');
    await callee.decline();
    expect(callee.getSnapshot()).toMatchObject({ phase: 'idle', lastEnd: { callId: declinedId, reason: 'declined' } });
    expect(await until(caller, (s) => s.phase === 'idle')).toMatchObject({ lastEnd: { callId: declinedId, reason: 'declined' } });

    const { id: cancelledId } = await caller.start(mentor.id);
    await until(callee, (s) => s.phase === 'incoming' && s.callId === cancelledId);
    await caller.hangUp();
    expect(caller.getSnapshot()).toMatchObject({ phase: 'idle', lastEnd: { callId: cancelledId, reason: 'cancelled' } });
    expect(await until(callee, (s) => s.phase === 'idle')).toMatchObject({ lastEnd: { callId: cancelledId, reason: 'cancelled' } });
    // Both can take the next call.
    await callee.start(student.id);
    expect(await until(caller, (s) => s.phase === 'incoming')).toMatchObject({ incoming: { caller: { userId: mentor.id } } });
    await caller.decline();
    for (const controller of [caller, callee]) controller.close();
  });

  it('catches up when its socket comes back: a call that ended meanwhile is over here too', async () => {
    const { mentor, caller, callee } = await parties();
    const mentorSocket = (callee as unknown as { options: { socket: TestSocket } }).options.socket;
    const { id } = await caller.start(mentor.id);
    await until(callee, (s) => s.phase === 'incoming');
    await callee.accept();
    await until(caller, (s) => s.phase === 'active');
    // The callee's connection drops; the caller hangs up while it is away, and it never hears of it.
    mentorSocket.disconnect();
    await caller.hangUp();
    mentorSocket.connect();
    expect(await until(callee, (s) => s.phase === 'idle')).toMatchObject({ callId: null });
    expect(await caller.start(mentor.id)).toMatchObject({ status: 'CALLING' });
    expect(await until(callee, (s) => s.phase === 'incoming')).not.toMatchObject({ callId: id });
    for (const controller of [caller, callee]) controller.close();
  });

  it("stops ringing on the callee's other device when one answers, and takes glare as the call answered", async () => {
    const { mentor, student, caller, callee } = await parties();
    const tablet = controllerOf(await open(mentor, 'calls'), mentor);
    const { id } = await caller.start(mentor.id);
    await until(tablet, (s) => s.phase === 'incoming');
    await callee.accept();
    expect(await until(tablet, (s) => s.phase === 'idle')).toMatchObject({ lastEnd: { callId: id, reason: 'answered_elsewhere' } });
    expect(await until(caller, (s) => s.phase === 'active')).toMatchObject({ callId: id });
    await caller.hangUp();
    await until(callee, (s) => s.phase === 'idle');

    // Glare: the mentor calls the student back while the student's call is ringing the mentor.
    const { id: ringing } = await caller.start(mentor.id);
    await until(callee, (s) => s.phase === 'incoming');
    const answered = await callee.start(student.id);
    expect(answered).toMatchObject({ id: ringing, status: 'ACTIVE' });
    expect(callee.getSnapshot()).toMatchObject({ phase: 'active', callId: ringing });
    expect(await until(caller, (s) => s.phase === 'active')).toMatchObject({ callId: ringing });
    await callee.hangUp();
    for (const controller of [caller, callee, tablet]) controller.close();
  });

  it('shows the other party reconnecting while their connection is gone mid-call, and clears it when they are back', async () => {
    const { student, mentor, studentSocket, caller, callee } = await parties();
    await caller.start(mentor.id);
    await until(callee, (s) => s.phase === 'incoming');
    await callee.accept();
    expect(callee.getSnapshot().peerReconnectingUntil).toBeNull();

    const droppedAt = Date.now();
    studentSocket.disconnect();
    const gone = await until(callee, (s) => s.peerReconnectingUntil !== null);
    expect(gone.phase).toBe('active');
    expect(gone.peerReconnectingUntil).toBeGreaterThanOrEqual(droppedAt + GRACE_MS);
    expect(gone.peerReconnectingUntil).toBeLessThanOrEqual(Date.now() + GRACE_MS);

    const back = await open(student, 'calls');
    expect(await until(callee, (s) => s.peerReconnectingUntil === null)).toMatchObject({ phase: 'active' });
    const again = controllerOf(back, student);
    await until(again, (s) => s.phase === 'active');
    const heard = nextEvent(back, 'callEnded');
    await again.hangUp();
    await heard;
    // The side that hung up says so, whether the server's callEnded came before its answer or after.
    expect(again.getSnapshot().lastEnd).toMatchObject({ reason: 'hangup' });
    expect(await until(callee, (s) => s.phase === 'idle')).toMatchObject({
      peerReconnectingUntil: null,
      lastEnd: { reason: 'ended_by_api' },
    });
    for (const controller of [caller, callee, again]) controller.close();
  });

  it("follows a call's limit: its end once answered, and the new end when more time is granted", async () => {
    const { student, mentor, caller, callee } = await parties();
    await caller.start(mentor.id, { maxDurationS: 600 });
    await until(callee, (s) => s.phase === 'incoming');
    const answered = await callee.accept();
    expect(callee.getSnapshot().call).toMatchObject({ maxDurationS: 600, endsAt: answered.endsAt });
    // The caller, told only who answered, shows the call as it now stands too.
    expect((await until(caller, (s) => s.call?.status === 'ACTIVE')).call).toMatchObject({ endsAt: answered.endsAt });

    await api(student).post(`/calls/${answered.id}/extension`, { extraS: 300 }).expect(201);
    await api(mentor).post(`/calls/${answered.id}/extension/accept`).expect(200);
    const later = new Date(Date.parse(answered.endsAt!) + 300_000).toISOString();
    expect((await until(callee, (s) => s.call?.maxDurationS === 900)).call).toMatchObject({ endsAt: later });
    await callee.hangUp();
    for (const controller of [caller, callee]) controller.close();
  });

  it('sends its REST requests under the base path of a server URL that has one', async () => {
    const student = await user('student');
    const socket = await open(student, 'calls');
    const asked: string[] = [];
    const fetched = jest.spyOn(globalThis, 'fetch').mockImplementation((input) => {
      asked.push(String(input));
      return Promise.resolve(new Response(null, { status: 204 }));
    });
    try {
      // As behind a proxy that mounts the server at /signal, with and without the trailing slash.
      for (const serverUrl of [`${t.url}/signal`, `${t.url}/signal/`]) {
        const controller = new CallController({
          serverUrl,
          socket: socket as unknown as CallsSocket,
          userId: student.id,
          token: student.token,
        });
        await controller.refresh();
        controller.close();
      }
    } finally {
      fetched.mockRestore();
    }
    expect(asked.length).toBeGreaterThan(0);
    expect([...new Set(asked)]).toEqual([`${t.url}/signal/calls/user/current`]);
  });

  describe('and its PeerCall, before any peer connects', () => {
    /** A student's call to a mentor, answered; the student's side gets a PeerCall with a microphone only. */
    async function answeredCall() {
      const [student, mentor] = [await user('student'), await user('mentor')];
      const [studentSocket, mentorSocket] = [await open(student, 'calls'), await open(mentor, 'calls')];
      const { call } = await emitWithAck(studentSocket, 'startCall', { recipientUserId: mentor.id, hasVideo: false });
      expect(await emitWithAck(mentorSocket, 'acceptCall', { callId: call.id })).toMatchObject({ ok: true });
      const media = new PeerCall({ socket: studentSocket as unknown as CallsSocket, callId: call.id, localStream: audioOnly() });
      return { studentSocket, mentorSocket, callId: call.id, media };
    }

    it('listens once however often it joins, and refuses to work once closed', async () => {
      const { studentSocket, media } = await answeredCall();
      const events = ['offer', 'answer', 'iceCandidate', 'iceRestart', 'participantLeft', 'participantVideoToggled'] as const;
      const before = events.map((event) => studentSocket.listeners(event).length);
      await media.join();
      await media.join();
      expect(events.map((event) => studentSocket.listeners(event).length)).toEqual(before.map((n) => n + 1));
      media.close();
      // Nothing left listening, and nothing more done: the room is not told of a microphone it no longer has.
      expect(events.map((event) => studentSocket.listeners(event).length)).toEqual(before);
      await expect(media.setAudioEnabled(false)).rejects.toMatchObject({ code: 'invalid_state' });
      await expect(media.join()).rejects.toMatchObject({ code: 'invalid_state' });
      await expect(media.resume()).rejects.toMatchObject({ code: 'invalid_state' });
    });

    it('refuses to turn on a camera an audio-only call does not have, and the room hears nothing of it', async () => {
      const { mentorSocket, callId, media } = await answeredCall();
      await media.join();
      // The mentor joins second, on its own socket: the PeerCall has nobody to offer to.
      expect(await emitWithAck(mentorSocket, 'joinCall', { callId, hasVideo: false, hasAudio: true })).toMatchObject({ ok: true });
      const cameraNews = collect(mentorSocket, 'participantVideoToggled');
      await expect(media.setVideoEnabled(true)).rejects.toMatchObject({ code: 'invalid_state' });
      // The microphone toggles as before; a camera toggle sent before it would have arrived first.
      const muted = nextEvent(mentorSocket, 'participantAudioToggled');
      await media.setAudioEnabled(false);
      expect(await muted).toMatchObject({ callId, enabled: false });
      expect(cameraNews).toEqual([]);
      media.close();
    });
  });
});
