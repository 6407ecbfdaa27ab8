import { eventually } from './helpers/cluster';
import { collect } from './helpers/parties';
import { emitWithAck, nextEvent, nextMatching, TestSocket } from './helpers/sockets';
import { useTestApp } from './helpers/suite';

/**
 * Presence by interest, in a deployment past PRESENCE_BROADCAST_LIMIT (1 here: two users online
 * are "big"): connections that subscribed to nothing hear only of mentors on the first page of
 * available ones and of their contacts; a connection that opened a list or named mentors hears
 * of those and of its contacts.
 */
describe('presence by interest (e2e)', () => {
  const suite = useTestApp({ PRESENCE_BROADCAST_LIMIT: '1', PRESENCE_GRACE_MS: '100' });

  const statusesOf = (socket: TestSocket, mentorId: string) => {
    const seen = collect(socket, 'mentor_status_changed');
    return () => seen.filter((change) => change.mentor_id === mentorId).map((change) => change.status);
  };

  /**
   * A student subscribed to nothing, and a mentor who arrives after them and goes busy, leaving the
   * first page: the student has heard both changes (as everyone does) before the test goes on.
   */
  async function studentAndMentorOffThePage(name: string) {
    const student = await suite.online('student');
    const mentor = await suite.user('mentor', name);
    const mentorSocket = await suite.open(mentor);
    const left = nextMatching(student.socket, 'mentor_status_changed', (c) => c.mentor_id === mentor.id && c.status === 'busy');
    await emitWithAck(mentorSocket, 'mentor_busy', {});
    await left;
    return { student, mentor, mentorSocket };
  }

  it('tells a client that subscribed to nothing of a mentor joining or leaving the first page of available mentors, not of one off it', async () => {
    const student = await suite.online('student');
    const mentor = await suite.user('mentor', 'Aaron');
    // A mentor never told of before is told to everyone: arriving, Aaron joins the page.
    const arrived = nextMatching(student.socket, 'mentor_status_changed', (c) => c.mentor_id === mentor.id && c.status === 'available');
    const mentorSocket = await suite.open(mentor);
    await arrived;
    const heard = statusesOf(student.socket, mentor.id);
    const leaves = nextMatching(student.socket, 'mentor_status_changed', (c) => c.mentor_id === mentor.id && c.status === 'busy');
    await emitWithAck(mentorSocket, 'mentor_busy', {});
    await leaves;
    // Busy before and after: off the page, so not told.
    await emitWithAck(mentorSocket, 'mentor_busy', { status_message: 'Marking until 5' });
    const back = nextMatching(student.socket, 'mentor_status_changed', (c) => c.mentor_id === mentor.id && c.status === 'available');
    await emitWithAck(mentorSocket, 'mentor_available', {});
    await back;
    expect(heard()).toEqual(['busy', 'available']);
  });

  it('answers presence_subscribe with a page of the list, then tells every change of a mentor of its role and none of the other', async () => {
    const [tutorA, tutorB] = [await suite.online('tutor', 'Tara'), await suite.online('tutor', 'Tobias')];
    const mentor = await suite.online('mentor', 'Mona');
    const student = await suite.online('student');
    const first = await emitWithAck(student.socket, 'presence_subscribe', { role: 'tutor', limit: 1 });
    expect(first).toMatchObject({ ok: true, mentors: [{ mentorId: tutorA.id, status: 'available', role: 'tutor' }], nextCursor: '1' });
    const second = await emitWithAck(student.socket, 'presence_subscribe', { role: 'tutor', limit: 1, cursor: first.nextCursor! });
    expect(second).toMatchObject({ mentors: [{ mentorId: tutorB.id }], nextCursor: null });

    const mentorHeard = statusesOf(student.socket, mentor.id);
    const tutorHeard = statusesOf(student.socket, tutorB.id);
    await emitWithAck(mentor.socket, 'mentor_busy', {});
    const told = nextMatching(student.socket, 'mentor_status_changed', (c) => c.mentor_id === tutorB.id);
    await emitWithAck(tutorB.socket, 'mentor_busy', { status_message: 'In a lesson' });
    expect(await told).toMatchObject({ status: 'busy', status_message: 'In a lesson' });
    // The mentor's change came first: had it been sent here, it would have arrived first.
    expect(mentorHeard()).toEqual([]);
    expect(tutorHeard()).toEqual(['busy']);
    const offline = nextMatching(student.socket, 'user_offline', (p) => p.user_id === tutorB.id);
    tutorB.socket.disconnect();
    await offline;
  });

  it('tells a client of the mentors it names, whatever their place, until it unsubscribes', async () => {
    const { student, mentor, mentorSocket } = await studentAndMentorOffThePage('Zed');
    expect(await emitWithAck(student.socket, 'presence_watch', { userIds: [mentor.id, student.id] })).toMatchObject({
      ok: true,
      mentors: [{ mentorId: mentor.id, status: 'busy' }],
    });
    const heard = statusesOf(student.socket, mentor.id);
    const told = nextMatching(student.socket, 'mentor_status_changed', (c) => c.mentor_id === mentor.id);
    await emitWithAck(mentorSocket, 'mentor_busy', { status_message: 'Back at 3' });
    expect(await told).toMatchObject({ status: 'busy', status_message: 'Back at 3' });

    expect(await emitWithAck(student.socket, 'presence_unsubscribe', {})).toEqual({ ok: true });
    await emitWithAck(mentorSocket, 'mentor_busy', { status_message: 'Back at 4' });
    const back = nextMatching(student.socket, 'mentor_status_changed', (c) => c.mentor_id === mentor.id && c.status === 'available');
    await emitWithAck(mentorSocket, 'mentor_available', {});
    await back;
    expect(heard()).toEqual(['busy', 'available']);

    const refused = await emitWithAck(student.socket, 'presence_watch', { userIds: [] });
    expect(refused).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    const tooMany = await emitWithAck(student.socket, 'presence_watch', { userIds: Array.from({ length: 501 }, (_, i) => `u${i}`) });
    expect(tooMany).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it("tells a mentor's contacts of their changes though they subscribed to nothing", async () => {
    const { student, mentor, mentorSocket } = await studentAndMentorOffThePage('Yara');
    const ringing = nextEvent(mentorSocket, 'incomingCall');
    const { call } = await emitWithAck(student.socket, 'startCall', { recipientUserId: mentor.id });
    await ringing;
    await emitWithAck(student.socket, 'cancelCall', { callId: call.id });
    const told = nextMatching(student.socket, 'mentor_status_changed', (c) => c.mentor_id === mentor.id);
    await emitWithAck(mentorSocket, 'mentor_busy', { status_message: 'Off the page' });
    expect(await told).toMatchObject({ status: 'busy', status_message: 'Off the page' });
  });

  it('never lets a change that races the subscription leave the client with an older state than the server', async () => {
    const tutor = await suite.online('tutor', 'Raceford');
    const student = await suite.online('student');
    const states = ['mentor_busy', 'mentor_available'] as const;
    for (let round = 0; round < 10; round++) {
      let shown: string | undefined;
      let answered = false;
      const onChange = (change: { mentor_id: string; status: string }) => {
        if (answered && change.mentor_id === tutor.id) shown = change.status;
      };
      student.socket.on('mentor_status_changed', onChange);
      const event = states[round % 2];
      // Both at once: the subscription's read and the change. The answer is read in its callback,
      // before any event that follows it (a promise would see it a turn later).
      const answer = new Promise<{ ok: boolean }>((resolve) =>
        student.socket.emit('presence_subscribe', { role: 'tutor' }, (reply) => {
          answered = true;
          if (reply.ok) shown = reply.mentors.find((m) => m.mentorId === tutor.id)?.status;
          resolve(reply);
        }),
      );
      const [page] = await Promise.all([answer, emitWithAck(tutor.socket, event, {})]);
      expect(page.ok).toBe(true);
      const wanted = event === 'mentor_busy' ? 'busy' : 'available';
      await eventually(async () => expect(shown).toBe(wanted), 3000, 20);
      student.socket.off('mentor_status_changed', onChange);
      expect(await emitWithAck(student.socket, 'presence_unsubscribe', {})).toEqual({ ok: true });
    }
  });
});
