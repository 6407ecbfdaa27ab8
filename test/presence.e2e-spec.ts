import { ClientClosedError } from 'redis';
import { SHARED_STATE, SharedState } from '../src/cluster/shared-state';
import { SHARED_TIMERS, SharedTimers } from '../src/cluster/shared-timers';
import { WebSocket } from 'ws';
import { PresenceService } from '../src/presence/presence.service';
import { ConnectionRegistry } from '../src/realtime/connection-registry.service';
import { collect } from './helpers/parties';
import { emitWithAck, nextEvent, nextMatching, TestSocket } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import type { RegisteredUser } from './helpers/users';

describe('presence (e2e)', () => {
  const { t, user, open, api } = useTestApp({ PRESENCE_GRACE_MS: '400' });
  const connect = (who: RegisteredUser) => open(who, 'instant');
  const onlineEventsFor = (socket: TestSocket, userId: string) => {
    const events: string[] = [];
    socket.on('user_online', (p) => p.user_id === userId && events.push('online'));
    socket.on('user_offline', (p) => p.user_id === userId && events.push('offline'));
    return events;
  };

  it('announces a mentor to everyone, and their absence after the grace, with last_seen_at persisted', async () => {
    const student = await user();
    const mentor = await user('mentor');
    const watcher = await connect(student);
    const cameOnline = nextEvent(watcher, 'user_online');
    const m = await connect(mentor);
    expect(await cameOnline).toEqual({
      user_id: mentor.id,
      role: 'mentor',
      userId: mentor.id,
      userRole: 'mentor',
      timestamp: expect.any(String),
    });
    const presence = await api(student).get(`/presence/${mentor.id}`).expect(200);
    expect(presence.body).toMatchObject({ userId: mentor.id, online: true });

    const wentOffline = nextEvent(watcher, 'user_offline', 3000);
    m.disconnect();
    const offline = await wentOffline;
    expect(offline).toEqual({
      user_id: mentor.id,
      last_seen_at: expect.any(String),
      userId: mentor.id,
      userRole: 'mentor',
      timestamp: offline.last_seen_at,
    });
    const after = await api(student).get(`/presence/${mentor.id}`).expect(200);
    expect(after.body).toEqual({ userId: mentor.id, role: 'mentor', online: false, lastSeenAt: offline.last_seen_at });
  });

  it('does not flap on a page reload (disconnect and reconnect within the grace)', async () => {
    const student = await user();
    const reloading = await user('mentor');
    const leaving = await user('tutor');
    const watcher = await connect(student);
    // Each arrival is announced before the next one, so the events below are the reload's only.
    const reloadingOnline = nextEvent(watcher, 'user_online');
    const first = await connect(reloading);
    expect((await reloadingOnline).user_id).toBe(reloading.id);
    const leavingOnline = nextEvent(watcher, 'user_online');
    const l = await connect(leaving);
    expect((await leavingOnline).user_id).toBe(leaving.id);
    const seen = onlineEventsFor(watcher, reloading.id);
    first.disconnect();
    await connect(reloading);
    // Leaving goes after the reload: its offline event would come after any the reload caused.
    const barrier = nextEvent(watcher, 'user_offline', 3000);
    l.disconnect();
    expect((await barrier).user_id).toBe(leaving.id);
    expect(seen).toEqual([]);
  });

  it('keeps a user online who comes back while the end of their grace is being decided', async () => {
    const student = await user();
    const mentor = await user('mentor');
    const watcher = await connect(student);
    const seen = onlineEventsFor(watcher, mentor.id);
    const first = await connect(mentor);
    const presence = t.app.get(PresenceService) as unknown as Record<'connected' | 'leave', (userId: string) => Promise<void>>;
    const registry = t.app.get(ConnectionRegistry);
    const isOnline = registry.isOnline.bind(registry);
    // The grace ends: the server finds the mentor gone, and the mentor's new tab arrives before it acts on that.
    const arrived = new Promise<void>((done) => {
      const connected = presence.connected.bind(presence);
      jest.spyOn(presence, 'connected').mockImplementationOnce((userId) => connected(userId).finally(done));
    });
    // Settles when the end of the grace has been decided.
    const left = new Promise<void>((decided) => {
      const leave = presence.leave.bind(presence);
      jest.spyOn(presence, 'leave').mockImplementationOnce((userId) => {
        const leaving = leave(userId);
        decided(leaving);
        return leaving;
      });
    });
    jest.spyOn(registry, 'isOnline').mockImplementation(async (userId) => {
      const online = await isOnline(userId);
      if (userId !== mentor.id) return online;
      jest.spyOn(registry, 'isOnline').mockImplementation(isOnline);
      await connect(mentor);
      await arrived;
      return online;
    });
    first.disconnect();
    await left;
    const after = await api(student).get(`/presence/${mentor.id}`).expect(200);
    expect(after.body).toMatchObject({ online: true });
    // Another mentor's arrival comes after any event the end of the grace sent.
    const barrier = nextEvent(watcher, 'user_online');
    await connect(await user('mentor'));
    await barrier;
    expect(seen).toEqual(['online']);
  });

  it('never shows online a user whose only connection closed while it was being booked', async () => {
    const student = await user();
    const mentor = await user('mentor');
    const watcher = await connect(student);
    const seen = onlineEventsFor(watcher, mentor.id);
    const registry = t.app.get(ConnectionRegistry) as unknown as Record<'book' | 'remove', (...args: any[]) => Promise<void>>;
    const url = `${t.url.replace(/^http/, 'ws')}/ws/signaling/?token=${encodeURIComponent(mentor.token)}`;
    const ws = new WebSocket(url);
    ws.on('error', () => undefined);
    // The mentor's connection goes away, and the server has unbooked it, before its booking returns.
    const book = registry.book.bind(registry);
    const remove = registry.remove.bind(registry);
    const booked = new Promise<void>((done) => {
      jest.spyOn(registry, 'book').mockImplementationOnce(async (connection) => {
        await book(connection);
        const removed = new Promise<void>((gone) =>
          jest.spyOn(registry, 'remove').mockImplementationOnce((id) => remove(id).finally(gone)),
        );
        ws.terminate();
        await removed;
        done();
      });
    });
    await booked;
    // Another mentor's arrival comes after any event the closed connection caused.
    const barrier = nextEvent(watcher, 'user_online');
    await connect(await user('mentor'));
    await barrier;
    expect(seen).toEqual([]);
    const presence = await api(student).get(`/presence/${mentor.id}`).expect(200);
    expect(presence.body).toMatchObject({ online: false });
  });

  it('takes a user offline whose going was first refused by a shared state briefly away', async () => {
    const student = await user();
    const mentor = await user('mentor');
    const watcher = await connect(student);
    const m = await connect(mentor);
    // Its connection's unbooking fails once, then the start of its grace.
    jest.spyOn(t.app.get<SharedState>(SHARED_STATE), 'hDelCount').mockRejectedValueOnce(new ClientClosedError());
    const timers = t.app.get<SharedTimers>(SHARED_TIMERS);
    const schedule = timers.schedule.bind(timers);
    let refused = false;
    const spy = jest.spyOn(timers, 'schedule').mockImplementation((kind, ...rest) => {
      if (kind !== 'presence-grace' || refused) return schedule(kind, ...rest);
      refused = true;
      return Promise.reject(new ClientClosedError());
    });
    const offline = nextMatching(watcher, 'user_offline', (e) => e.user_id === mentor.id, 5000);
    m.disconnect();
    await offline;
    spy.mockRestore();
  });

  it('answers a request that met the shared state briefly away with 503 unavailable and when to try again', async () => {
    const student = await user();
    const mentor = await user('mentor');
    jest.spyOn(t.app.get<SharedState>(SHARED_STATE), 'sIsMember').mockRejectedValueOnce(new ClientClosedError());
    const refused = await api(student).get(`/presence/${mentor.id}`).expect(503);
    expect(refused.body).toMatchObject({ code: 'unavailable', details: { retryAfterMs: 1000 } });
    expect(refused.headers['retry-after']).toBe('1');
    expect((await api(student).get(`/presence/${mentor.id}`).expect(200)).body).toMatchObject({ online: false });
  });

  it("sends a student's presence to their contacts only", async () => {
    const student = await user();
    const contact = await user();
    const stranger = await user();
    // A call (missed, the student being offline) makes them contacts.
    await api(contact).post('/calls/start', { recipientUserId: student.id }).expect(201);
    const c = await connect(contact);
    const s = await connect(stranger);
    const strangerSaw = collect(s, 'user_online');
    const contactSaw = nextEvent(c, 'user_online');
    await connect(student);
    expect(await contactSaw).toEqual({
      user_id: student.id,
      role: 'student',
      userId: student.id,
      userRole: 'student',
      timestamp: expect.any(String),
    });
    // A mentor coming online afterwards reaches the stranger; the student's event would have come first.
    const barrier = nextEvent(s, 'user_online');
    await connect(await user('mentor'));
    await barrier;
    expect(strangerSaw.map((p) => p.user_id)).not.toContain(student.id);
  });

  it('reaches every Socket.IO dialect, and status or help events do not fix a socket to seed 003', async () => {
    const mentor = await user('mentor');
    const student = await user();
    const listeners = await Promise.all((['calls', 'webrtc'] as const).map(async (dialect) => open(await user(), dialect)));
    // An earlier test's mentor may still be going offline (the grace is short): events about others pass by.
    const online = listeners.map((socket) => nextMatching(socket, 'user_online', (e) => e.user_id === mentor.id));
    // Declares no dialect: the first event it sends is a status, which is no call event.
    const m = await open(mentor);
    for (const event of await Promise.all(online))
      expect(event).toMatchObject({ user_id: mentor.id, role: 'mentor', userId: mentor.id, userRole: 'mentor' });
    const changed = listeners.map((socket) => nextMatching(socket, 'mentor_status_changed', (e) => e.mentor_id === mentor.id));
    await emitWithAck(m, 'mentor_available', {});
    for (const event of await Promise.all(changed)) expect(event).toMatchObject({ mentor_id: mentor.id, status: 'available' });

    const s = await connect(student);
    const asked = nextEvent(m, 'help_request');
    await emitWithAck(s, 'student_request_help', { topic: 'Fractions' });
    expect(await asked).toMatchObject({ student_id: student.id, topic: 'Fractions' });
    // Still undeclared, so a ring reaches it in every dialect, seed 002's included.
    const rings = [nextEvent(m, 'incomingCall'), nextEvent(m, 'incoming_call'), nextEvent(m, 'webrtc:incoming-call')];
    await emitWithAck(s, 'initiate_call', { to_user_id: mentor.id, call_type: 'audio' });
    await Promise.all(rings);
  });

  describe('mentor status', () => {
    const statusOf = (socket: TestSocket, mentorId: string, status: string) =>
      new Promise<any>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${status} status for ${mentorId}`)), 4000);
        const listener = (p: any) => {
          if (p.mentor_id !== mentorId || p.status !== status) return;
          clearTimeout(timer);
          socket.off('mentor_status_changed', listener);
          resolve(p);
        };
        socket.on('mentor_status_changed', listener);
      });

    it('broadcasts chosen statuses to everyone, lists mentors by status and role, and refuses students', async () => {
      const student = await user();
      const mentor = await user('mentor');
      const tutor = await user('tutor');
      const watcher = await connect(student);
      const m = await connect(mentor);
      await connect(tutor);
      const busy = statusOf(watcher, mentor.id, 'busy');
      expect(await emitWithAck(m, 'mentor_busy', { status_message: 'Marking exams' })).toMatchObject({
        ok: true,
        status: { status: 'busy' },
      });
      expect(await busy).toEqual({ mentor_id: mentor.id, status: 'busy', status_message: 'Marking exams' });

      const list = (query: string) => api(student).get(`/presence/mentors${query}`).expect(200);
      const busyIds = (await list('?status=busy')).body.map((m: { mentorId: string }) => m.mentorId);
      expect(busyIds).toContain(mentor.id);
      expect(busyIds).not.toContain(tutor.id);
      const tutors = (await list('?role=tutor&status=available')).body;
      expect(tutors.map((m: { mentorId: string }) => m.mentorId)).toContain(tutor.id);
      expect(tutors.every((m: { role: string }) => m.role === 'tutor')).toBe(true);
      await api(student).get('/presence/mentors?status=sleeping').expect(400);

      const available = statusOf(watcher, mentor.id, 'available');
      await emitWithAck(m, 'mentor_available', {});
      expect(await available).toEqual({ mentor_id: mentor.id, status: 'available', status_message: null });
      expect(await emitWithAck(watcher, 'mentor_busy', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    });

    it('sends a burst of changes to every socket once each, in order, and no one their own presence', async () => {
      const watcher = await connect(await user());
      const mentor = await user('mentor');
      const seen: string[] = [];
      const arrived = (status: string) =>
        new Promise<void>((resolve) =>
          watcher.on(
            'mentor_status_changed',
            (p) => p.mentor_id === mentor.id && `${p.status} ${p.status_message}` === status && resolve(),
          ),
        );
      watcher.on('mentor_status_changed', (p) => p.mentor_id === mentor.id && seen.push(`${p.status} ${p.status_message}`));
      const cameOnline = arrived('available null');
      const heardLast = arrived('busy three');
      const m = await connect(mentor);
      await cameOnline;
      const ownPresence: unknown[] = [];
      m.on('user_online', (p) => p.user_id === mentor.id && ownPresence.push(p));
      // Quicker than the broadcast window, so they go out together.
      await emitWithAck(m, 'mentor_busy', { status_message: 'one' });
      await emitWithAck(m, 'mentor_available', { status_message: 'two' });
      const mentorHeardLast = statusOf(m, mentor.id, 'busy');
      await emitWithAck(m, 'mentor_busy', { status_message: 'three' });
      await heardLast;
      expect(await mentorHeardLast).toMatchObject({ status_message: expect.stringMatching(/one|three/) });
      expect(seen).toEqual(['available null', 'busy one', 'available two', 'busy three']);
      expect(ownPresence).toEqual([]); // its own user_online would have come in this batch or before
    });

    it('shows a mentor busy during a call and restores the chosen status after it, offline when gone', async () => {
      const student = await user();
      const mentor = await user('mentor');
      const s = await connect(student);
      const m = await connect(mentor);
      await emitWithAck(m, 'mentor_available', { status_message: 'Ask me about maths' });
      const busy = statusOf(s, mentor.id, 'busy');
      const callId = (await emitWithAck(s, 'initiate_call', { to_user_id: mentor.id, call_type: 'video' })).call.id;
      await emitWithAck(m, 'accept_call', { call_id: callId });
      expect(await busy).toMatchObject({ status_message: 'Ask me about maths' });
      const back = statusOf(s, mentor.id, 'available');
      await emitWithAck(s, 'end_call', { call_id: callId });
      expect(await back).toEqual({ mentor_id: mentor.id, status: 'available', status_message: 'Ask me about maths' });
      const offline = statusOf(s, mentor.id, 'offline');
      m.disconnect();
      expect(await offline).toMatchObject({ mentor_id: mentor.id, status: 'offline' });
    });
  });
});
