import request from 'supertest';
import { ROOM_WORDS, SIGNAL_WORDS } from './helpers/dialect-words';
import { RawClient } from './helpers/raw-ws';
import { connectSocket, emitWithAck, nextEvent, TestSocket } from './helpers/sockets';
import { startTestApp, TestApp } from './helpers/test-app';
import { registerUser, RegisteredUser } from './helpers/users';

/** What each dialect's clients may receive: anything else is another dialect leaking through. */
/**
 * Chat, presence, mentor status and help requests belong to every Socket.IO dialect (CONTRACT.md §8):
 * a call that ends leaves a chat record; mentors' presence goes to every connected user.
 */
const SOCKET_IO_SHARED = [
  'new_message',
  'user_typing',
  'user_stopped_typing',
  'message_read',
  'user_online',
  'user_offline',
  'mentor_status_changed',
  'help_request',
  'help_request_accepted',
  'help_request_taken',
  'help_request_cancelled',
  'help_request_expired',
];

const VOCABULARY: Record<string, string[]> = {
  '002': [
    ...SOCKET_IO_SHARED,
    'authenticated',
    'incomingCall',
    'callAccepted',
    'callDeclined',
    'callCancelled',
    'callMissed',
    'callEnded',
    'joinedCall',
    'userJoined',
    'participantLeft',
    'participantVideoToggled',
    'participantAudioToggled',
    'offer',
    'answer',
    'iceCandidate',
    'error',
  ],
  '003': [
    ...SOCKET_IO_SHARED,
    ...ROOM_WORDS,
    ...SIGNAL_WORDS,
    'authenticated',
    'incoming_call',
    'call_accepted',
    'call_rejected',
    'call_ended',
    'error',
  ],
  '004': [
    ...SOCKET_IO_SHARED,
    ...ROOM_WORDS,
    'authenticated',
    'webrtc:incoming-call',
    'webrtc:call-accepted',
    'webrtc:offer',
    'webrtc:answer',
    'webrtc:ice-candidate',
    'webrtc:end-call',
    'error',
  ],
  '001': [
    'call_started',
    'incoming_call',
    'call_answered',
    'call_rejected',
    'call_cancelled',
    'call_offer',
    'call_answer',
    'ice_candidate',
    'call_hanged_up',
    'call_missed',
    'error',
  ],
  '000': [
    'connection_established',
    'invite.sent',
    'call.ring',
    'response.sent',
    'call.accepted',
    'call.declined',
    'call.cancelled',
    'call.missed',
    'call.ended',
    'pong',
    'error',
  ],
};

/** One client of one dialect, driven through the steps every dialect has. */
interface Party {
  user: RegisteredUser;
  received: string[];
  call(to: RegisteredUser): Promise<string>;
  ring(): Promise<string>;
  accept(callId: string, caller: RegisteredUser): Promise<void>;
  accepted(): Promise<void>;
  /** Sends an SDP offer to the peer; undefined when the dialect has no signaling. */
  offer?(peer: RegisteredUser, callId: string, sdp: object): Promise<void>;
  gotOffer?(): Promise<unknown>;
  end(callId: string): Promise<void>;
  ended(): Promise<void>;
  close(): void;
}

type Factory = (t: TestApp, user: RegisteredUser) => Promise<Party>;

function socketIoParty(dialect: 'calls' | 'webrtc' | 'instant'): Factory {
  return async (t, user) => {
    const socket: TestSocket = connectSocket(t.url, { token: user.token, dialect });
    const received: string[] = [];
    socket.onAny((event) => received.push(event));
    await nextEvent(socket, 'authenticated');
    const restEnd = (callId: string) =>
      request(t.url)
        .delete(`/calls/${callId}`)
        .set('Authorization', `Bearer ${user.token}`)
        .expect(200)
        .then(() => undefined);
    if (dialect === 'calls') {
      let peerSocketId: Promise<string> = Promise.resolve('');
      return {
        user,
        received,
        close: () => socket.disconnect(),
        call: async (to) => {
          // Peers of dialects without rooms (seed 000) never join; only the relay step awaits this.
          peerSocketId = nextEvent(socket, 'userJoined').then(
            (p) => p.socketId,
            () => '',
          );
          const ack = await emitWithAck(socket, 'startCall', { recipientUserId: to.id });
          await emitWithAck(socket, 'joinCall', { callId: ack.call.id, hasVideo: true, hasAudio: true });
          return ack.call.id;
        },
        ring: async () => (await nextEvent(socket, 'incomingCall')).callId,
        accept: async (callId) => {
          const joined = await emitWithAck(socket, 'joinCall', { callId, hasVideo: true, hasAudio: true });
          peerSocketId = Promise.resolve(joined.participants[0]?.socketId);
        },
        accepted: async () => void (await nextEvent(socket, 'callAccepted')),
        offer: async (_peer, _callId, sdp) => {
          expect(await emitWithAck(socket, 'offer', { targetSocketId: await peerSocketId, signal: sdp })).toEqual({ ok: true });
        },
        gotOffer: async () => (await nextEvent(socket, 'offer')).offer,
        end: restEnd,
        ended: async () => void (await nextEvent(socket, 'callEnded')),
      };
    }
    if (dialect === 'instant') {
      // Seed 003 has no media signaling of its own.
      return {
        user,
        received,
        close: () => socket.disconnect(),
        call: async (to) => (await emitWithAck(socket, 'initiate_call', { to_user_id: to.id, call_type: 'video' })).call.id,
        ring: async () => (await nextEvent(socket, 'incoming_call')).call_id,
        accept: async (callId) => expect(await emitWithAck(socket, 'accept_call', { call_id: callId })).toMatchObject({ ok: true }),
        accepted: async () => void (await nextEvent(socket, 'call_accepted')),
        end: async (callId) => expect(await emitWithAck(socket, 'end_call', { call_id: callId })).toMatchObject({ ok: true }),
        ended: async () => void (await nextEvent(socket, 'call_ended')),
      };
    }
    return {
      user,
      received,
      close: () => socket.disconnect(),
      call: async (to) => (await emitWithAck(socket, 'webrtc:call', { to: to.id })).call.id,
      ring: async () => (await nextEvent(socket, 'webrtc:incoming-call')).callId,
      // Seed 004 accepts by answering; the SDP answer is the acceptance.
      accept: async (callId, caller) => {
        expect(await emitWithAck(socket, 'webrtc:answer', { to: caller.id, sdp: { type: 'answer' }, callId })).toEqual({ ok: true });
      },
      accepted: async () => void (await nextEvent(socket, 'webrtc:call-accepted')),
      offer: async (peer, callId, sdp) => {
        expect(await emitWithAck(socket, 'webrtc:offer', { to: peer.id, sdp, callId })).toEqual({ ok: true });
      },
      gotOffer: async () => (await nextEvent(socket, 'webrtc:offer')).sdp,
      end: async (callId) => void (await emitWithAck(socket, 'webrtc:end-call', { to: '0', callId })),
      ended: async () => void (await nextEvent(socket, 'webrtc:end-call')),
    };
  };
}

const wsCallParty: Factory = async (t, user) => {
  const client = await RawClient.connect(t.url, '/ws/call/', user.token);
  const received: string[] = [];
  client.socket.on('message', (data) => received.push(JSON.parse(data.toString()).type));
  return {
    user,
    received,
    close: () => client.close(),
    call: async (to) => {
      client.send({ action: 'start_call', callee_id: to.id });
      return (await client.next('call_started')).call_id;
    },
    ring: async () => (await client.next('incoming_call')).call_id,
    accept: async (callId, caller) => client.send({ action: 'answer_call', call_id: callId, caller_id: caller.id }),
    accepted: async () => void (await client.next('call_answered')),
    offer: async (peer, callId, sdp) => client.send({ action: 'offer', callee_id: peer.id, offer: sdp, call_id: callId }),
    gotOffer: async () => (await client.next('call_offer')).offer,
    end: async (callId) => client.send({ action: 'hang_up', call_id: callId }),
    ended: async () => void (await client.next('call_hanged_up')),
  };
};

const wsSignalingParty: Factory = async (t, user) => {
  const client = await RawClient.connect(t.url, '/ws/signaling/', user.token);
  const received: string[] = [];
  client.socket.on('message', (data) => received.push(JSON.parse(data.toString()).type));
  await client.next('connection_established');
  let room = '';
  return {
    user,
    received,
    close: () => client.close(),
    call: async (to) => {
      room = `room-${Math.random().toString(36).slice(2)}`;
      client.send({ type: 'call.invite', to_user_id: to.id, target_type: 'mentor', room_id: room });
      return (await client.next('invite.sent')).call_id;
    },
    ring: async () => {
      const ring = await client.next('call.ring');
      room = ring.room_id;
      return ring.call_id;
    },
    accept: async (_callId, caller) => {
      client.send({ type: 'call.response', to_user_id: caller.id, room_id: room, accept: true });
      await client.next('response.sent');
    },
    accepted: async () => void (await client.next('call.accepted')),
    // Seed 000 stops at the response: no media signaling, no hang-up; the call ends over REST.
    end: (callId) =>
      request(t.url)
        .delete(`/calls/${callId}`)
        .set('Authorization', `Bearer ${user.token}`)
        .expect(200)
        .then(() => undefined),
    ended: async () => void (await client.next('call.ended')),
  };
};

const DIALECTS: Record<string, Factory> = {
  '002': socketIoParty('calls'),
  '003': socketIoParty('instant'),
  '004': socketIoParty('webrtc'),
  '001': wsCallParty,
  '000': wsSignalingParty,
};
const PAIRS = Object.keys(DIALECTS).flatMap((from) => Object.keys(DIALECTS).map((to) => [from, to] as const));

describe('interop matrix: a caller on one dialect, a recipient on another (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it.each(PAIRS)('%s calls %s: invite, accept, relay, end', async (from, to) => {
    const caller = await DIALECTS[from](t, await registerUser(t.url, 'student'));
    const callee = await DIALECTS[to](t, await registerUser(t.url, 'mentor'));
    try {
      const ring = callee.ring();
      const callId = await caller.call(callee.user);
      expect(await ring).toBe(callId);

      const accepted = caller.accepted();
      await callee.accept(callId, caller.user);
      await accepted;

      if (caller.offer && callee.gotOffer) {
        const sdp = { type: 'offer', sdp: `v=0 ${from}->${to}` };
        const got = callee.gotOffer();
        await caller.offer(callee.user, callId, sdp);
        expect(await got).toEqual(sdp);
      }

      const ended = callee.ended();
      await caller.end(callId);
      await ended;
      for (const party of [
        [from, caller],
        [to, callee],
      ] as const) {
        const foreign = party[1].received.filter((name) => !VOCABULARY[party[0]].includes(name));
        expect({ dialect: party[0], foreign }).toEqual({ dialect: party[0], foreign: [] });
      }
    } finally {
      caller.close();
      callee.close();
    }
  });
});
