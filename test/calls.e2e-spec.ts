import { createHmac } from 'node:crypto';
import { collect, OnlineUser } from './helpers/parties';
import { connectSocket, emitRaw, emitWithAck, nextEvent, TestSocket, emitWithoutAck } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import { CallsRepository } from '../src/calls/calls.repository';

describe('calls: REST and the seed-002 Socket.IO dialect (e2e)', () => {
  const { t, user, online, open, api, track } = useTestApp({
    RING_TIMEOUT_MS: '1500',
    RECONNECT_GRACE_MS: '600',
    STUN_URLS: 'stun:stun.example.test:3478',
    TURN_URLS: 'turn:turn.example.test:3478?transport=udp',
    TURN_SECRET: 'turn-shared-secret',
    TURN_TTL_S: '3600',
  });
  const start = (caller: OnlineUser, recipient: { id: string }, extra: object = {}) =>
    api(caller).post('/calls/start', { recipientUserId: recipient.id, ...extra });

  // A signal too big to size up at once takes the slow path; the small candidates after it must not overtake it.
  it.each([
    ['an offer', 3_000],
    ['an offer that takes the slow path', 20_000],
  ])("relays one sender's signals in the order sent: %s before the candidates that follow it", async (_, sdpLength) => {
    const alice = await online('student');
    const bob = await online('mentor');
    const { body: call } = await start(alice, bob).expect(201);
    await emitWithAck(bob.socket, 'acceptCall', { callId: call.id });
    const seen: string[] = [];
    bob.socket.on('offer', () => seen.push('offer'));
    bob.socket.on('iceCandidate', (e) => seen.push(`ice${(e.candidate as RTCIceCandidateInit).sdpMLineIndex}`));
    const sent = [
      emitWithAck(alice.socket, 'offer', {
        targetSocketId: bob.socket.id!,
        signal: { type: 'offer', sdp: 'v=0\r\n' + 'a'.repeat(sdpLength) },
      }),
    ];
    for (let i = 0; i < 20; i++) {
      sent.push(
        emitWithAck(alice.socket, 'iceCandidate', {
          targetSocketId: bob.socket.id!,
          candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0', sdpMLineIndex: i },
        }),
      );
    }
    expect((await Promise.all(sent)).every((ack) => ack.ok)).toBe(true);
    while (seen.length < 21) await nextEvent(bob.socket, 'iceCandidate');
    expect(seen).toEqual(['offer', ...Array.from({ length: 20 }, (_, i) => `ice${i}`)]);
  });

  it('runs the whole seed-002 flow: start, ring, accept, join, relay, toggle, leave, history', async () => {
    const alice = await online('student', 'Alice');
    const bob = await online('mentor', 'Bob');
    const ringing = nextEvent(bob.socket, 'incomingCall');
    const started = await start(alice, bob, { title: 'Algebra', hasVideo: true }).expect(201);
    expect(started.body).toMatchObject({ status: 'CALLING', hostUserId: alice.id, recipientUserId: bob.id, title: 'Algebra' });
    const callId = started.body.id;
    expect(await ringing).toEqual({
      callId,
      caller: { userId: alice.id, name: 'Alice', avatarUrl: null },
      timestamp: expect.any(String),
      hasVideo: true,
    });

    const accepted = nextEvent(alice.socket, 'callAccepted');
    const ack = await emitWithAck(bob.socket, 'acceptCall', { callId });
    expect(ack).toMatchObject({ ok: true, call: { id: callId, status: 'ACTIVE', startedAt: expect.any(String) } });
    expect(await accepted).toEqual({ callId, acceptedBy: bob.id });

    const aliceJoin = await emitWithAck(alice.socket, 'joinCall', { callId, userName: 'Alice A.', hasVideo: true, hasAudio: true });
    expect(aliceJoin).toEqual({ ok: true, callId, userId: alice.id, socketId: alice.socket.id, participants: [] });
    const userJoined = nextEvent(alice.socket, 'userJoined');
    const bobJoined = nextEvent(bob.socket, 'joinedCall');
    await emitWithAck(bob.socket, 'joinCall', { callId, hasVideo: true, hasAudio: false });
    expect(await bobJoined).toEqual({
      callId,
      userId: bob.id,
      socketId: bob.socket.id,
      participants: [{ socketId: alice.socket.id, userId: alice.id, userName: 'Alice A.', hasVideo: true, hasAudio: true }],
    });
    expect(await userJoined).toMatchObject({ socketId: bob.socket.id, userId: bob.id, userName: 'Bob', hasVideo: true, hasAudio: false });

    const room = await api(alice).get(`/calls/${callId}/room`).expect(200);
    expect(room.body.participants.map((p: { userId: string }) => p.userId).sort()).toEqual([alice.id, bob.id].sort());

    const sdp = { type: 'offer', sdp: 'v=0\r\n' + 'a'.repeat(3000) };
    const offer = nextEvent(bob.socket, 'offer');
    expect(await emitWithAck(alice.socket, 'offer', { targetSocketId: bob.socket.id!, signal: sdp })).toEqual({ ok: true });
    expect(await offer).toEqual({ offer: sdp, senderId: alice.socket.id, callId, userId: alice.id });
    const answer = nextEvent(alice.socket, 'answer');
    await emitWithAck(bob.socket, 'answer', { targetSocketId: alice.socket.id!, signal: { type: 'answer', sdp: 'v=0' } });
    expect(await answer).toMatchObject({ answer: { type: 'answer', sdp: 'v=0' }, senderId: bob.socket.id });
    const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    const ice = nextEvent(bob.socket, 'iceCandidate');
    await emitWithAck(alice.socket, 'iceCandidate', { targetSocketId: bob.socket.id!, candidate });
    expect(await ice).toEqual({ candidate, senderId: alice.socket.id, callId, userId: alice.id });

    const videoOff = nextEvent(bob.socket, 'participantVideoToggled');
    await emitWithAck(alice.socket, 'toggleVideo', { callId, enabled: false });
    expect(await videoOff).toMatchObject({ socketId: alice.socket.id, enabled: false, userId: alice.id });
    const audioOn = nextEvent(alice.socket, 'participantAudioToggled');
    await emitWithAck(bob.socket, 'toggleAudio', { callId, enabled: true });
    expect(await audioOn).toMatchObject({ socketId: bob.socket.id, enabled: true });

    const record = await api(bob).get(`/calls/${callId}`).expect(200);
    // In join order; the two joins may share a millisecond, so either may come first.
    const byUser = (a: { userId: string }, b: { userId: string }) => (a.userId === alice.id ? -1 : b.userId === alice.id ? 1 : 0);
    expect([...record.body.participants].sort(byUser)).toEqual([
      {
        socketId: alice.socket.id,
        userId: alice.id,
        userName: 'Alice A.',
        hasVideo: false,
        hasAudio: true,
        joinedAt: expect.any(String),
        leftAt: null,
      },
      {
        socketId: bob.socket.id,
        userId: bob.id,
        userName: 'Bob',
        hasVideo: true,
        hasAudio: true,
        joinedAt: expect.any(String),
        leftAt: null,
      },
    ]);

    const left = nextEvent(bob.socket, 'participantLeft');
    await emitWithAck(alice.socket, 'leaveCall', { callId });
    expect(await left).toMatchObject({ socketId: alice.socket.id, userId: alice.id });
    const oneLeft = (await api(bob).get(`/calls/${callId}`).expect(200)).body.participants;
    expect([...oneLeft].sort(byUser).map((p: { userId: string; leftAt: string | null }) => [p.userId, p.leftAt !== null])).toEqual([
      [alice.id, true],
      [bob.id, false],
    ]);
    const ended = nextEvent(alice.socket, 'callEnded');
    await emitWithAck(bob.socket, 'leaveCall', { callId });
    expect(await ended).toEqual({ callId, endedBy: null, reason: 'last_participant_left' });

    const finished = await api(alice).get(`/calls/${callId}`).expect(200);
    expect(finished.body.participants.every((p: { leftAt: string | null }) => p.leftAt !== null)).toBe(true);
    const history = await api(alice).get('/calls/user/history').expect(200);
    expect(history.body.items[0]).toMatchObject({
      id: callId,
      status: 'ENDED',
      endReason: 'last_participant_left',
      durationSeconds: expect.any(Number),
    });
    await api(alice).get('/calls/user/current').expect(204);
  });

  it('records every join and leave when many calls join and leave at once', async () => {
    const pairs = await Promise.all(
      Array.from({ length: 6 }, async () => ({ caller: await online('student'), callee: await online('student') })),
    );
    const callIds = await Promise.all(
      pairs.map(async ({ caller, callee }) => {
        const { body: call } = await start(caller, callee).expect(201);
        await emitWithAck(callee.socket, 'acceptCall', { callId: call.id });
        return call.id as string;
      }),
    );
    const joins = pairs.flatMap(({ caller, callee }, i) =>
      [caller, callee].map((u) => emitWithAck(u.socket, 'joinCall', { callId: callIds[i], hasVideo: true, hasAudio: true })),
    );
    expect(await Promise.all(joins)).toEqual(joins.map(() => expect.objectContaining({ ok: true })));
    const joined = await Promise.all(pairs.map(({ caller }, i) => api(caller).get(`/calls/${callIds[i]}`).expect(200)));
    expect(joined.map((r) => r.body.participants.map((p: { leftAt: string | null }) => p.leftAt))).toEqual(pairs.map(() => [null, null]));
    // The callers leave together first: their records close while the calls stay ACTIVE with the callees in them.
    const leaves = pairs.map(({ caller }, i) => emitWithAck(caller.socket, 'leaveCall', { callId: callIds[i] }));
    expect(await Promise.all(leaves)).toEqual(leaves.map(() => expect.objectContaining({ ok: true })));
    const half = await Promise.all(pairs.map(({ caller }, i) => api(caller).get(`/calls/${callIds[i]}`).expect(200)));
    for (const [i, { body }] of half.entries()) {
      expect(body.status).toBe('ACTIVE');
      const byUser = Object.fromEntries(body.participants.map((p: { userId: string; leftAt: string | null }) => [p.userId, p.leftAt]));
      expect(byUser[pairs[i].caller.id]).toEqual(expect.any(String));
      expect(byUser[pairs[i].callee.id]).toBeNull();
    }
  });

  it('writes joins and departures in one statement, whatever their numbers, and closes records that come after the end', async () => {
    const [a, b] = [await online('student'), await online('student')];
    const { body: call } = await start(a, b).expect(201);
    const repository = t.app.get(CallsRepository);
    const joinedAt = new Date('2026-01-01T10:00:00.000Z');
    const at = (s: number) => new Date(joinedAt.getTime() + s * 1000);
    const record = (connectionId: string, userId: string, leftAt?: Date) => ({
      callId: call.id,
      userId,
      connectionId,
      userName: connectionId,
      hasVideo: true,
      hasAudio: false,
      joinedAt,
      leftAt,
    });
    const rows = async () =>
      (await repository.findParticipants(call.id))
        .sort((x, y) => x.connectionId.localeCompare(y.connectionId))
        .map((p) => [p.connectionId, p.leftAt?.toISOString() ?? null]);
    // c4 joined and left before its record was written.
    await repository.recordParticipants([record('c1', a.id), record('c2', b.id), record('c3', a.id), record('c4', b.id, at(2))], []);
    await repository.recordParticipants(
      [],
      [
        { callId: call.id, connectionId: 'c1', at: at(5) },
        { callId: call.id, connectionId: 'c3', at: at(7) },
      ],
    );
    expect(await rows()).toEqual([
      ['c1', at(5).toISOString()],
      ['c2', null],
      ['c3', at(7).toISOString()],
      ['c4', at(2).toISOString()],
    ]);

    // The call ends, which closes c2; c2's departure, written after, moves it back to when it left;
    // c5's join, written after the end, is closed at the end.
    await api(a).delete(`/calls/${call.id}`).expect(200);
    await repository.recordParticipants([record('c5', a.id)], [{ callId: call.id, connectionId: 'c2', at: at(9) }]);
    const ended = await repository.findById(call.id);
    expect((await rows()).slice(1)).toEqual([
      ['c2', at(9).toISOString()],
      ['c3', at(7).toISOString()],
      ['c4', at(2).toISOString()],
      ['c5', (ended!.endedAt ?? ended!.updatedAt).toISOString()],
    ]);
  });

  it('starts a call over the socket too, and reports failures as error events without an ack', async () => {
    const alice = await online();
    const bob = await online('mentor');
    const ringing = nextEvent(bob.socket, 'incomingCall');
    const ack = await emitWithAck(alice.socket, 'startCall', { recipientUserId: bob.id, hasVideo: false });
    expect(ack).toMatchObject({ ok: true, call: { status: 'CALLING', hostUserId: alice.id, hasVideo: false } });
    expect(await ringing).toMatchObject({ callId: ack.call.id, hasVideo: false });
    const error = nextEvent(alice.socket, 'error');
    emitWithoutAck(alice.socket, 'acceptCall', { callId: ack.call.id });
    expect(await error).toEqual({ event: 'acceptCall', code: 'forbidden', message: expect.any(String) });
  });

  it('declines, cancels, and tells the other party', async () => {
    const alice = await online();
    const bob = await online('tutor');
    const first = (await start(alice, bob).expect(201)).body.id;
    const declined = nextEvent(alice.socket, 'callDeclined');
    await api(bob).post('/calls/decline', { callId: first }).expect(200);
    expect(await declined).toEqual({ callId: first, declinedBy: bob.id });

    const second = (await start(alice, bob).expect(201)).body.id;
    const cancelled = nextEvent(bob.socket, 'callCancelled');
    expect(await emitWithAck(alice.socket, 'cancelCall', { callId: second })).toMatchObject({ ok: true, call: { status: 'CANCELLED' } });
    expect(await cancelled).toEqual({ callId: second, cancelledBy: alice.id });
    const again = await emitWithAck(bob.socket, 'acceptCall', { callId: second });
    expect(again).toMatchObject({ ok: false, error: { code: 'invalid_state' } });
  });

  it('tells a Socket.IO caller of a call to an offline user by a missed event too, in its dialect, without an ack', async () => {
    const offline = await user('mentor');
    const starts = [
      { dialect: 'calls', send: (s: TestSocket) => emitWithoutAck(s, 'startCall', { recipientUserId: offline.id }), missed: 'callMissed' },
      {
        dialect: 'instant',
        send: (s: TestSocket) => emitWithoutAck(s, 'initiate_call', { to_user_id: offline.id, call_type: 'audio' }),
        missed: 'call_ended',
      },
      { dialect: 'webrtc', send: (s: TestSocket) => emitWithoutAck(s, 'webrtc:call', { to: offline.id }), missed: 'webrtc:end-call' },
    ] as const;
    for (const { dialect, send, missed } of starts) {
      const caller = await user('student');
      const socket = await open(caller, dialect);
      const event = nextEvent(socket, missed);
      send(socket);
      expect(await event).toMatchObject(dialect === 'calls' ? { reason: 'offline' } : { reason: 'missed' });
    }
  });

  it('records a call to an offline user as MISSED at once, and a ring timeout as MISSED', async () => {
    const alice = await online();
    const offline = await user('mentor');
    const missedEvent = nextEvent(alice.socket, 'callMissed');
    const res = await start(alice, offline).expect(201);
    expect(res.body.status).toBe('MISSED');
    expect(await missedEvent).toEqual({ callId: res.body.id, reason: 'offline' });

    const bob = await online('mentor');
    const callId = (await start(alice, bob).expect(201)).body.id;
    const [forAlice, forBob] = await Promise.all([nextEvent(alice.socket, 'callMissed', 5000), nextEvent(bob.socket, 'callMissed', 5000)]);
    expect(forAlice).toEqual({ callId, reason: 'timeout' });
    expect(forBob).toEqual(forAlice);
    expect((await api(bob).get(`/calls/${callId}`).expect(200)).body.status).toBe('MISSED');
    await start(alice, bob).expect(201); // nobody stays busy
  });

  it('answers glare by joining the other call, and refuses busy users both ways', async () => {
    const alice = await online();
    const bob = await online('mentor');
    const carol = await online();
    const bobsCall = (await start(bob, alice).expect(201)).body.id;
    const acceptedForBob = nextEvent(bob.socket, 'callAccepted');
    const glare = await start(alice, bob).expect(200);
    expect(glare.body).toMatchObject({ id: bobsCall, status: 'ACTIVE' });
    expect(await acceptedForBob).toEqual({ callId: bobsCall, acceptedBy: alice.id });

    const busyRecipient = await start(carol, bob).expect(409);
    expect(busyRecipient.body).toMatchObject({ code: 'user_busy' });
    const busyCaller = await start(alice, carol).expect(409);
    expect(busyCaller.body).toMatchObject({ code: 'user_busy' });
    expect((await api(carol).get('/calls/user/history').expect(200)).body.items).toEqual([]);
  });

  it('refuses self-calls, unknown users and bad input with the contract codes', async () => {
    const alice = await online();
    expect((await start(alice, alice).expect(400)).body.code).toBe('validation_failed');
    expect((await start(alice, { id: 'nobody' }).expect(404)).body.code).toBe('not_found');
    const bad = await api(alice).post('/calls/start', { recipientUserId: 42, hasVideo: 'yes' }).expect(400);
    expect(bad.body.details).toHaveProperty('hasVideo');
    expect((await api(alice).get('/calls/user/history?limit=0').expect(400)).body.code).toBe('validation_failed');
    const viaSocket = await emitRaw(alice.socket, 'acceptCall', { nope: 1 });
    expect(viaSocket).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', details: { callId: expect.any(Array), nope: expect.any(Array) } },
    });
  });

  it('keeps a third user out: no reading, joining or relaying', async () => {
    const alice = await online();
    const bob = await online('mentor');
    const mallory = await online();
    const callId = (await start(alice, bob).expect(201)).body.id;
    await emitWithAck(bob.socket, 'acceptCall', { callId });
    await emitWithAck(bob.socket, 'joinCall', { callId, hasVideo: true, hasAudio: true });
    expect((await api(mallory).get(`/calls/${callId}`).expect(404)).body.code).toBe('not_found');
    await api(mallory).get(`/calls/${callId}/room`).expect(404);
    await api(mallory).delete(`/calls/${callId}`).expect(404);
    expect(await emitWithAck(mallory.socket, 'joinCall', { callId, hasVideo: true, hasAudio: true })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    const relayed = collect(bob.socket, 'offer');
    expect(await emitWithAck(mallory.socket, 'offer', { targetSocketId: bob.socket.id!, signal: { sdp: 'x' } })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    // Alice's relay arrives after Mallory's would have: none of Mallory's reached Bob.
    const fromAlice = nextEvent(bob.socket, 'offer');
    await emitWithAck(alice.socket, 'offer', { targetSocketId: bob.socket.id!, signal: { sdp: 'y' } });
    await fromAlice;
    expect(relayed.map((o) => o.offer)).toEqual([{ sdp: 'y' }]);
    const tooBig = await emitWithAck(alice.socket, 'offer', { targetSocketId: bob.socket.id!, signal: { sdp: 'x'.repeat(70_000) } });
    expect(tooBig).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
  });

  it('relays only while the call is open, and again in the next call of the same two users', async () => {
    const alice = await online();
    const bob = await online('mentor');
    const offer = (signal: { sdp: string }) => emitWithAck(alice.socket, 'offer', { targetSocketId: bob.socket.id!, signal });
    const first = (await start(alice, bob).expect(201)).body.id;
    expect(await offer({ sdp: 'ringing' })).toEqual({ ok: true });
    await emitWithAck(bob.socket, 'acceptCall', { callId: first });
    expect(await offer({ sdp: 'active' })).toEqual({ ok: true });
    await api(bob).delete(`/calls/${first}`).expect(200);
    expect(await offer({ sdp: 'ended' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const second = (await start(alice, bob).expect(201)).body.id;
    const relayed = nextEvent(bob.socket, 'offer');
    expect(await offer({ sdp: 'next call' })).toEqual({ ok: true });
    expect(await relayed).toMatchObject({ offer: { sdp: 'next call' }, callId: second });
  });

  it('rings every device, stops the others when one answers, and rings a device that connects late', async () => {
    const alice = await online();
    const bob = await online('mentor');
    const bobPhone = await open(bob);
    const rings = [nextEvent(bob.socket, 'incomingCall'), nextEvent(bobPhone, 'incomingCall')];
    const callId = (await start(alice, bob).expect(201)).body.id;
    await Promise.all(rings);
    const lateDevice = track(connectSocket(t.url, { token: bob.token }));
    expect((await nextEvent(lateDevice, 'incomingCall')).callId).toBe(callId);
    const elsewhere = nextEvent(bobPhone, 'callAccepted');
    const phoneEvents = collect(bob.socket, 'callAccepted');
    await emitWithAck(bob.socket, 'acceptCall', { callId });
    expect(await elsewhere).toEqual({ callId, acceptedBy: bob.id });
    expect(phoneEvents).toEqual([]); // the accepting device has its ack instead
  });

  it('rings a device that connects as the call starts once, not by the start and again by its arrival', async () => {
    const alice = await online();
    const bob = await online('mentor');
    for (let round = 0; round < 5; round++) {
      // The two at once: the device's arrival and the start race for its ring.
      const arriving = track(connectSocket(t.url, { token: bob.token }));
      const rings = collect(arriving, 'incomingCall');
      const rung = nextEvent(arriving, 'incomingCall');
      const callId = (await start(alice, bob).expect(201)).body.id;
      await rung;
      const cancelled = nextEvent(arriving, 'callCancelled');
      await emitWithAck(alice.socket, 'cancelCall', { callId });
      await cancelled; // events reach a socket in order: any second ring would be here by now
      expect(rings.filter((ring: { callId: string }) => ring.callId === callId)).toHaveLength(1);
    }
  });

  it('keeps a call through a reconnect within the grace, and ends it past the grace', async () => {
    const alice = await online();
    const bob = await online('mentor');
    const callId = (await start(alice, bob).expect(201)).body.id;
    await emitWithAck(bob.socket, 'acceptCall', { callId });
    await emitWithAck(alice.socket, 'joinCall', { callId, hasVideo: true, hasAudio: true });
    await emitWithAck(bob.socket, 'joinCall', { callId, hasVideo: true, hasAudio: true });

    const oldSocketId = alice.socket.id;
    alice.socket.disconnect();
    const back = await open(alice);
    const replaced = nextEvent(bob.socket, 'participantLeft');
    await emitWithAck(back, 'joinCall', { callId, hasVideo: true, hasAudio: true });
    expect(await replaced).toMatchObject({ socketId: oldSocketId });
    expect((await api(alice).get(`/calls/${callId}`).expect(200)).body.status).toBe('ACTIVE');

    // Alice goes for good: past the grace the call ends, though Bob is still in its room.
    const ended = nextEvent(bob.socket, 'callEnded', 4000);
    back.disconnect();
    expect(await ended).toEqual({ callId, endedBy: null, reason: 'connection_lost' });
    expect((await api(bob).get(`/calls/${callId}`).expect(200)).body).toMatchObject({ status: 'ENDED', endReason: 'connection_lost' });
  });

  it('cancels a ringing call whose caller is gone past the grace', async () => {
    const alice = await online();
    const bob = await online('mentor');
    const callId = (await start(alice, bob).expect(201)).body.id;
    const cancelled = nextEvent(bob.socket, 'callCancelled', 4000);
    alice.socket.disconnect();
    expect(await cancelled).toEqual({ callId, cancelledBy: alice.id });
  });

  it('ends a call with DELETE /calls/:id and shows it in history with its duration', async () => {
    const alice = await online();
    const bob = await online('mentor');
    const callId = (await start(alice, bob).expect(201)).body.id;
    await api(bob).post('/calls/accept', { callId }).expect(200);
    expect((await api(alice).get('/calls/user/current').expect(200)).body.id).toBe(callId);
    const ended = nextEvent(bob.socket, 'callEnded');
    const res = await api(alice).delete(`/calls/${callId}`).expect(200);
    expect(res.body).toMatchObject({ status: 'ENDED', endReason: 'ended_by_api', endedAt: expect.any(String) });
    expect(await ended).toEqual({ callId, endedBy: alice.id, reason: 'ended_by_api' });
    expect((await api(alice).delete(`/calls/${callId}`).expect(409)).body.code).toBe('invalid_state');
  });

  it('pages history newest first with a cursor and filters by status', async () => {
    const alice = await online();
    const offline = await user('mentor');
    for (let i = 0; i < 5; i++) await start(alice, offline).expect(201);
    const first = await api(alice).get('/calls/user/history?limit=2&status=MISSED').expect(200);
    const second = await api(alice).get(`/calls/user/history?limit=2&status=MISSED&cursor=${first.body.nextCursor}`).expect(200);
    const third = await api(alice).get(`/calls/user/history?limit=2&status=MISSED&cursor=${second.body.nextCursor}`).expect(200);
    const ids = [...first.body.items, ...second.body.items, ...third.body.items].map((c: { id: string }) => c.id);
    expect(new Set(ids).size).toBe(5);
    expect(third.body.nextCursor).toBeNull();
    const times = [...first.body.items, ...second.body.items].map((c: { createdAt: string }) => c.createdAt);
    expect([...times].sort().reverse()).toEqual(times);
    expect((await api(alice).get('/calls/user/history?status=ENDED').expect(200)).body.items).toEqual([]);
    // Cursors in the shape the server issues, but crafted: a NUL in the id, a year the database cannot store.
    const crafted = [
      'garbage',
      '2026-01-01T00:00:00.000Z|a\0b',
      '-271821-04-20T00:00:00.000Z|x',
      '+275760-09-13T00:00:00.000Z|x',
      '0000-01-01T00:00:00.000Z|x',
    ];
    for (const cursor of crafted.map((text) => Buffer.from(text).toString('base64url'))) {
      expect((await api(alice).get(`/calls/user/history?cursor=${cursor}`).expect(400)).body.code).toBe('validation_failed');
    }
  });

  it('hands out STUN and TURN servers with credentials that verify with the shared secret', async () => {
    const alice = await online();
    const res = await api(alice).get('/calls/ice-servers').expect(200);
    expect(res.body.ttl).toBe(3600);
    const [stun, turn] = res.body.iceServers;
    expect(stun).toEqual({ urls: ['stun:stun.example.test:3478'] });
    const [expiry, userId] = turn.username.split(':');
    expect(userId).toBe(alice.id);
    expect(Number(expiry) - Date.now() / 1000).toBeGreaterThan(3500);
    expect(turn.credential).toBe(createHmac('sha1', 'turn-shared-secret').update(turn.username).digest('base64'));
  });
});
