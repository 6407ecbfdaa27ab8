import { OpenCallIndex } from '../src/calls/open-call-index';
import { CallRoomsService } from '../src/calls/call-rooms.service';
import { ConnectionRegistry } from '../src/realtime/connection-registry.service';
import { RelayService } from '../src/relay/relay.service';
import request from 'supertest';
import { RawClient } from './helpers/raw-ws';
import { emitWithAck, nextEvent } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import type { RegisteredUser } from './helpers/users';

describe('raw WebSocket /ws/call/ (seed 001) (e2e)', () => {
  const { t, user, online, raw, api, track } = useTestApp({ WS_PING_INTERVAL_MS: '300' });
  const connect = (who: RegisteredUser) => raw(who, '/ws/call/');
  const pair = async () => {
    const caller = await user('student', 'Sam');
    const callee = await user('mentor', 'Maya');
    return { caller, callee, a: await connect(caller), b: await connect(callee) };
  };
  /** A pair whose call the callee has answered; `candidate(i)` is the caller's i-th ICE candidate message. */
  const answeredPair = async () => {
    const parties = await pair();
    parties.a.send({ action: 'start_call', callee_id: parties.callee.id });
    const callId = (await parties.b.next('incoming_call')).call_id;
    parties.b.send({ action: 'answer_call', call_id: callId });
    await parties.a.next('call_answered');
    const candidate = (index: number) => ({
      action: 'ice_candidate',
      peer_id: parties.callee.id,
      candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMLineIndex: index },
    });
    return { ...parties, candidate };
  };

  it('refuses the upgrade without a valid token', async () => {
    await expect(RawClient.connect(t.url, '/ws/call/')).rejects.toMatchObject({ status: 401 });
    await expect(RawClient.connect(t.url, '/ws/call/', 'garbage')).rejects.toMatchObject({ status: 401 });
  });

  it('runs the seed flow: start, incoming, answer, offer/answer, ICE both ways, hang up', async () => {
    const { caller, callee, a, b } = await pair();
    a.send({ action: 'start_call', callee_id: callee.id });
    const started = await a.next('call_started');
    expect(started).toEqual({ type: 'call_started', call_id: expect.any(String), callee_id: callee.id });
    const callId = started.call_id;
    expect(await b.next('incoming_call')).toEqual({ type: 'incoming_call', call_id: callId, caller_id: caller.id, caller_username: 'Sam' });

    b.send({ action: 'answer_call', call_id: callId, caller_id: caller.id });
    expect(await a.next('call_answered')).toEqual({ type: 'call_answered', callee_id: callee.id, call_id: callId });

    const offer = { type: 'offer', sdp: 'v=0 offer' };
    a.send({ action: 'offer', callee_id: callee.id, offer });
    expect(await b.next('call_offer')).toEqual({ type: 'call_offer', offer, caller_id: caller.id, call_id: callId });
    const answer = { type: 'answer', sdp: 'v=0 answer' };
    b.send({ action: 'answer', caller_id: caller.id, answer });
    expect(await a.next('call_answer')).toEqual({ type: 'call_answer', answer, callee_id: callee.id, call_id: callId });
    const candidate = { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0' };
    a.send({ action: 'ice_candidate', peer_id: callee.id, candidate });
    expect(await b.next('ice_candidate')).toEqual({ type: 'ice_candidate', candidate, sender_id: caller.id, call_id: callId });
    b.send({ action: 'ice_candidate', peer_id: caller.id, candidate });
    expect((await a.next('ice_candidate')).sender_id).toBe(callee.id);

    b.send({ action: 'hang_up', peer_id: caller.id, call_id: callId });
    expect(await a.next('call_hanged_up')).toEqual({ type: 'call_hanged_up', hanged_up_by: callee.id, call_id: callId });
    const stored = await api(caller).get(`/calls/${callId}`).expect(200);
    expect(stored.body).toMatchObject({ status: 'ENDED', endReason: 'hangup' });
    expect(a.pending().filter((m) => m.type === 'error')).toEqual([]);
    expect(b.pending().filter((m) => m.type === 'error')).toEqual([]);
  });

  it('relays in the order sent: an offer too big to size up at once, then the candidates that follow it', async () => {
    const { callee, a, b, candidate } = await answeredPair();
    const seen: string[] = [];
    b.socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === 'call_offer' || message.type === 'ice_candidate')
        seen.push(message.candidate ? `ice${message.candidate.sdpMLineIndex}` : message.type);
    });
    a.send({ action: 'offer', callee_id: callee.id, offer: { type: 'offer', sdp: 'v=0\r\n' + 'a'.repeat(20_000) } });
    for (let i = 0; i < 20; i++) a.send(candidate(i));
    for (let i = 0; i < 20; i++) await b.next('ice_candidate');
    expect(seen).toEqual(['call_offer', ...Array.from({ length: 20 }, (_, i) => `ice${i}`)]);
    expect(a.pending().filter((m) => m.type === 'error')).toEqual([]);
  });

  it('relays to the device the callee answered on, and to their other device once that one is gone', async () => {
    const { callee, a, b, candidate } = await answeredPair();
    a.send(candidate(0));
    expect((await b.next('ice_candidate')).candidate.sdpMLineIndex).toBe(0);
    const laptop = await connect(callee);
    a.send(candidate(1));
    expect((await b.next('ice_candidate')).candidate.sdpMLineIndex).toBe(1);

    b.close();
    await b.closed;
    // Candidates sent before the server has seen the phone go still go its way; then they reach the laptop.
    let reached: number | undefined;
    for (let index = 2; index < 40 && reached === undefined; index++) {
      a.send(candidate(index));
      reached = await laptop.next('ice_candidate', 250).then(
        (m) => m.candidate.sdpMLineIndex as number,
        () => undefined,
      );
    }
    expect(reached).toBeGreaterThanOrEqual(2);
    expect(laptop.pending().filter((m) => m.type === 'ice_candidate' && m.candidate.sdpMLineIndex < 2)).toEqual([]);
    expect(a.pending().filter((m) => m.type === 'error')).toEqual([]);
  });

  it('keeps no relay route for a connection gone before its last messages were handled', async () => {
    const { callee, a, b, candidate } = await answeredPair();
    const registry = t.app.get(ConnectionRegistry);
    const remove = registry.remove.bind(registry);
    const removed = new Promise<void>((gone) => jest.spyOn(registry, 'remove').mockImplementationOnce((id) => remove(id).finally(gone)));
    // The offer's route is read once the caller's connection is gone; the candidate queued behind it is handled after.
    const openCalls = t.app.get(OpenCallIndex);
    const of = openCalls.of.bind(openCalls);
    jest.spyOn(openCalls, 'of').mockImplementationOnce(async (userId) => {
      await removed;
      return of(userId);
    });
    a.send({ action: 'offer', callee_id: callee.id, offer: { type: 'offer', sdp: 'v=0\r\n' + 'a'.repeat(20_000) } });
    a.send(candidate(0));
    a.close();
    await b.next('call_offer');
    await b.next('ice_candidate');
    const routes = (t.app.get(RelayService) as unknown as { routes?: { kept: Map<string, unknown> } }).routes;
    const senders = routes ? [...routes.kept.keys()] : [];
    expect(senders.filter((id) => !registry.local(id))).toEqual([]);
  });

  it('rejects and cancels', async () => {
    const { caller, callee, a, b } = await pair();
    a.send({ action: 'start_call', callee_id: callee.id });
    const first = (await a.next('call_started')).call_id;
    await b.next('incoming_call');
    b.send({ action: 'reject_call', call_id: first, caller_id: caller.id });
    expect(await a.next('call_rejected')).toEqual({ type: 'call_rejected', callee_id: callee.id, call_id: first });

    a.send({ action: 'start_call', callee_id: callee.id });
    const second = (await a.next('call_started')).call_id;
    await b.next('incoming_call');
    a.send({ action: 'cancel_call', call_id: second, callee_id: callee.id });
    expect(await b.next('call_cancelled')).toEqual({ type: 'call_cancelled', caller_id: caller.id, call_id: second });
  });

  it('tells the caller at once when the callee is offline', async () => {
    const caller = await user();
    const offline = await user('tutor');
    const a = await connect(caller);
    a.send({ action: 'start_call', callee_id: offline.id });
    const started = await a.next('call_started');
    expect(await a.next('call_missed')).toEqual({ type: 'call_missed', call_id: started.call_id });
  });

  it('answers bad input with an error and keeps the connection open', async () => {
    const { caller, callee, a } = await pair();
    const errors: any[] = [];
    a.send('not json at all');
    errors.push(await a.next('error'));
    a.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    errors.push(await a.next('error'));
    a.send([1, 2]);
    errors.push(await a.next('error'));
    a.send({ action: 'start_call', callee_id: { $gt: '' } });
    const wrongType = await a.next('error');
    a.send({ action: 'launch_rocket' });
    const unknown = await a.next('error');
    a.send({ action: 'offer', callee_id: callee.id, offer: { sdp: 'x' } });
    const notInCall = await a.next('error');
    expect(errors.map((e) => e.code)).toEqual(['validation_failed', 'validation_failed', 'validation_failed']);
    expect(errors[0]).toEqual({ type: 'error', action: null, code: 'validation_failed', message: 'A message must be valid JSON' });
    expect(wrongType).toMatchObject({
      type: 'error',
      action: 'start_call',
      code: 'validation_failed',
      details: { callee_id: expect.any(Array) },
    });
    expect(unknown).toMatchObject({ type: 'error', action: 'launch_rocket', code: 'validation_failed' });
    expect(notInCall).toMatchObject({ type: 'error', action: 'offer', code: 'not_found' });
    // A rule of the call core names the field as the protocol does.
    a.send({ action: 'start_call', callee_id: caller.id });
    expect(await a.next('error')).toMatchObject({ action: 'start_call', details: { callee_id: expect.any(Array) } });
    // Still open and working.
    a.send({ action: 'start_call', callee_id: callee.id });
    expect(await a.next('call_started')).toMatchObject({ callee_id: callee.id });
  });

  it('closes only an oversize frame, and the server stays healthy', async () => {
    const { a } = await pair();
    a.send({ action: 'offer', callee_id: 'x', offer: 'x'.repeat(200_000) });
    expect((await a.closed).code).toBe(1009);
    await request(t.url).get('/health').expect(200);
  });

  it('cancels and hangs up by the peer alone, as its clients (never told a call id) do', async () => {
    const { caller, callee, a, b } = await pair();
    const stranger = await user('mentor');
    a.send({ action: 'start_call', callee_id: callee.id });
    const first = (await b.next('incoming_call')).call_id;
    a.send({ action: 'cancel_call', callee_id: stranger.id });
    expect(await a.next('error')).toMatchObject({ action: 'cancel_call', code: 'not_found' });
    a.send({ action: 'cancel_call', callee_id: callee.id });
    expect(await b.next('call_cancelled')).toMatchObject({ call_id: first });

    a.send({ action: 'start_call', callee_id: callee.id });
    const second = (await b.next('incoming_call')).call_id;
    b.send({ action: 'answer_call', call_id: second });
    await a.next('call_answered');
    a.send({ action: 'hang_up', peer_id: callee.id });
    expect(await b.next('call_hanged_up')).toMatchObject({ call_id: second });
    const stored = await request(t.url).get(`/calls/${second}`).auth(caller.token, { type: 'bearer' }).expect(200);
    expect(stored.body).toMatchObject({ status: 'ENDED', endReason: 'hangup' });
    b.send({ action: 'hang_up' });
    expect(await b.next('error')).toMatchObject({ action: 'hang_up', code: 'not_found', message: 'You have no open call' });
  });

  it('drops a peer that stops answering pings and keeps one that answers', async () => {
    const { callee, b } = await pair();
    const caller = await user();
    const silent = track(await RawClient.connect(t.url, '/ws/call/', caller.token, { autoPong: false }));
    silent.send({ action: 'start_call', callee_id: callee.id });
    await silent.next('call_started');
    await b.next('incoming_call');
    expect((await silent.closed).code).toBe(1006); // terminated by the server
    // b answers pings and stays connected meanwhile.
    b.send({ action: 'hang_up', call_id: 'none' });
    expect(await b.next('error')).toMatchObject({ code: 'not_found' });
  });

  it('answers a start that succeeded without an error, though the callee declined before the caller entered the room', async () => {
    const rooms = t.app.get(CallRoomsService);
    const join = rooms.join.bind(rooms);
    let declined!: () => void;
    const gate = new Promise<void>((done) => (declined = done));
    jest.spyOn(rooms, 'join').mockImplementationOnce(async (...args) => {
      await gate;
      return join(...args);
    });
    const caller = await user('student');
    const callee = await user('mentor');
    const [a, b] = await Promise.all([connect(caller), connect(callee)]);
    a.send({ action: 'start_call', callee_id: callee.id });
    const callId = (await b.next('incoming_call')).call_id;
    b.send({ action: 'reject_call', call_id: callId });
    await a.next('call_rejected');
    declined();
    // The next error the caller hears is the one for this, not one for its start.
    a.send({ action: 'no_such_action' });
    expect(await a.next('error')).toMatchObject({ action: 'no_such_action' });
  });

  it('interoperates with the seed-002 Socket.IO dialect both ways', async () => {
    // Socket.IO caller, raw-WebSocket callee.
    const sio = await online('student');
    const ws = await user('mentor', 'Wes');
    const b = await connect(ws);
    const started = await emitWithAck(sio.socket, 'startCall', { recipientUserId: ws.id });
    const callId = started.call.id;
    expect(await b.next('incoming_call')).toMatchObject({ call_id: callId, caller_id: sio.id });
    const accepted = nextEvent(sio.socket, 'callAccepted');
    const peerJoined = nextEvent(sio.socket, 'userJoined');
    await emitWithAck(sio.socket, 'joinCall', { callId, hasVideo: false, hasAudio: true });
    b.send({ action: 'answer_call', call_id: callId, caller_id: sio.id });
    expect(await accepted).toEqual({ callId, acceptedBy: ws.id });
    const peer = await peerJoined;
    expect(peer).toMatchObject({ userId: ws.id, userName: 'Wes', hasVideo: false, hasAudio: true });
    await emitWithAck(sio.socket, 'offer', { targetSocketId: peer.socketId, signal: { sdp: 'from sio' } });
    expect(await b.next('call_offer')).toEqual({ type: 'call_offer', offer: { sdp: 'from sio' }, caller_id: sio.id, call_id: callId });
    const answer = nextEvent(sio.socket, 'answer');
    b.send({ action: 'answer', caller_id: sio.id, answer: { sdp: 'from ws' } });
    expect(await answer).toEqual({ answer: { sdp: 'from ws' }, senderId: peer.socketId, callId, userId: ws.id });
    const ended = nextEvent(sio.socket, 'callEnded');
    b.send({ action: 'hang_up', call_id: callId });
    expect(await ended).toEqual({ callId, endedBy: ws.id, reason: 'hangup' });

    // Raw-WebSocket caller, Socket.IO callee.
    const ringing = nextEvent(sio.socket, 'incomingCall');
    b.send({ action: 'start_call', callee_id: sio.id });
    const second = (await b.next('call_started')).call_id;
    expect(await ringing).toMatchObject({ callId: second, caller: { userId: ws.id, name: 'Wes' } });
    await emitWithAck(sio.socket, 'acceptCall', { callId: second });
    expect(await b.next('call_answered')).toEqual({ type: 'call_answered', callee_id: sio.id, call_id: second });
  });
});
