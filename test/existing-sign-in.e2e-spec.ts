import { randomBytes } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import request from 'supertest';
import { RawClient } from './helpers/raw-ws';
import { connectSocket, nextEvent } from './helpers/sockets';
import { useTestApp } from './helpers/suite';
import { TEST_JWT_SECRET } from './helpers/test-app';

/** A fresh integer user id, as a Django backend numbers its users. */
let nextId = 700_000 + Math.floor(Math.random() * 100_000);
const djangoUserId = () => nextId++;

/** A djangorestframework-simplejwt token as the backends of the raw-WebSocket protocols mint it: HS256, `user_id`, no `sub` or `iss`. */
function simplejwt(userId: number, tokenType: 'access' | 'refresh' = 'access', extra: object = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return sign(
    { token_type: tokenType, exp: now + 300, iat: now, jti: randomBytes(16).toString('hex'), user_id: userId, ...extra },
    TEST_JWT_SECRET,
  );
}

/** Whether every transport admits the token: REST, Socket.IO, /ws/call/ and /ws/signaling/. */
async function admittedOn(url: string, token: string) {
  const rest = (await request(url).get('/auth/me').set('Authorization', `Bearer ${token}`)).status === 200;
  const socket = connectSocket(url, { token });
  const socketIo = await Promise.race([
    nextEvent(socket, 'authenticated').then(() => true),
    nextEvent(socket, 'connect_error').then(() => false),
  ]);
  socket.disconnect();
  const raw = async (path: string) => {
    try {
      (await RawClient.connect(url, path, token)).close();
      return true;
    } catch (error) {
      if ((error as { status?: number }).status === 401) return false;
      throw error;
    }
  };
  return { rest, socketIo, wsCall: await raw('/ws/call/'), wsSignaling: await raw('/ws/signaling/') };
}

const EVERYWHERE = { rest: true, socketIo: true, wsCall: true, wsSignaling: true };
const NOWHERE = { rest: false, socketIo: false, wsCall: false, wsSignaling: false };

describe("the platform's existing sign-in: tokens its backend already mints (e2e)", () => {
  describe('with JWT_SECRET alone', () => {
    const { t, track } = useTestApp();
    const raw = async (token: string, path: string) => track(await RawClient.connect(t.url, path, token));

    it('admits a simplejwt access token on every transport, the user named by user_id', async () => {
      const id = djangoUserId();
      const token = simplejwt(id);
      expect(await admittedOn(t.url, token)).toEqual(EVERYWHERE);
      const me = await request(t.url).get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
      expect(me.body).toMatchObject({ id: String(id), role: 'student' });
    });

    it('refuses its refresh token on every transport', async () => {
      const id = djangoUserId();
      expect(await admittedOn(t.url, simplejwt(id, 'refresh'))).toEqual(NOWHERE);
      const refused = await request(t.url)
        .get('/auth/me')
        .set('Authorization', `Bearer ${simplejwt(id, 'refresh')}`)
        .expect(401);
      expect(refused.body).toMatchObject({ code: 'unauthorized', message: 'Only access tokens are accepted' });
    });

    it('admits a token with sub, role and name but no issuer, and creates its user once', async () => {
      const token = sign({ sub: `platform-${randomBytes(4).toString('hex')}`, role: 'mentor', name: 'Grace' }, TEST_JWT_SECRET);
      const [a, b] = await Promise.all([0, 1].map(() => request(t.url).get('/auth/me').set('Authorization', `Bearer ${token}`)));
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.body).toMatchObject({ role: 'mentor', displayName: 'Grace' });
      expect(b.body.id).toBe(a.body.id);
    });

    it("cannot be locked out by someone registering its users' addresses first", async () => {
      const id = djangoUserId();
      const squat = (email: string) =>
        request(t.url).post('/auth/register').send({ email, password: 'password123', displayName: 'Squatter', role: 'student' });
      // Without an email claim a user gets a made-up address in the reserved .invalid domain, which nobody can register.
      const refused = await squat(`${id}@external.invalid`).expect(400);
      expect(refused.body).toMatchObject({ code: 'validation_failed' });
      expect(await admittedOn(t.url, simplejwt(id))).toEqual(EVERYWHERE);
      // An address registered here first stays with that account; the token's user gets one of its own.
      const email = `ada-${randomBytes(4).toString('hex')}@example.com`;
      const squatter = await squat(email).expect(201);
      const token = simplejwt(djangoUserId(), 'access', { email });
      expect(await admittedOn(t.url, token)).toEqual(EVERYWHERE);
      const me = await request(t.url).get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
      expect(me.body.id).not.toBe(squatter.body.user.id);
      expect(me.body.email).not.toBe(email);
    });

    it('refuses a user id no user could have (too long, or with NUL) as it refuses any bad token', async () => {
      for (const sub of ['x'.repeat(3000), 'a\u0000b']) {
        const refused = await request(t.url)
          .get('/auth/me')
          .set('Authorization', `Bearer ${sign({ sub }, TEST_JWT_SECRET)}`)
          .expect(401);
        expect(refused.body).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('at most 255 characters') });
      }
      const longest = sign({ sub: 'y'.repeat(255) + randomBytes(4).toString('hex') }, TEST_JWT_SECRET);
      await request(t.url).get('/auth/me').set('Authorization', `Bearer ${longest}`).expect(401);
      const fits = sign({ sub: `${'y'.repeat(240)}${randomBytes(4).toString('hex')}` }, TEST_JWT_SECRET);
      await request(t.url).get('/auth/me').set('Authorization', `Bearer ${fits}`).expect(200);
    });

    it('refuses a token that names no user, or one signed with another secret', async () => {
      const named = await request(t.url)
        .get('/auth/me')
        .set('Authorization', `Bearer ${sign({ token_type: 'access', name: 'Nobody' }, TEST_JWT_SECRET)}`)
        .expect(401);
      expect(named.body.message).toBe('Access token names no user (sub or user_id)');
      const forged = sign({ token_type: 'access', user_id: djangoUserId() }, 'another-secret-that-is-long-enough-to-sign');
      expect(await admittedOn(t.url, forged)).toEqual(NOWHERE);
    });

    it('sends integer user ids as JSON numbers on /ws/call/ and /ws/signaling/', async () => {
      const [student, mentor] = [djangoUserId(), djangoUserId()];
      const caller = await raw(simplejwt(student), '/ws/call/');
      const callee = await raw(simplejwt(mentor, 'access', { role: 'mentor' }), '/ws/call/');
      caller.send({ action: 'start_call', callee_id: mentor });
      expect(await caller.next('call_started')).toMatchObject({ callee_id: mentor });
      const ring = await callee.next('incoming_call');
      expect(ring).toMatchObject({ caller_id: student });
      callee.send({ action: 'answer_call', call_id: ring.call_id });
      expect(await caller.next('call_answered')).toMatchObject({ callee_id: mentor, call_id: ring.call_id });
      caller.send({ action: 'offer', callee_id: mentor, offer: { type: 'offer', sdp: 'v=0' } });
      expect(await callee.next('call_offer')).toMatchObject({ caller_id: student });
      caller.send({ action: 'hang_up', call_id: ring.call_id });
      expect(await callee.next('call_hanged_up')).toMatchObject({ hanged_up_by: student });

      const [ada, bo] = [djangoUserId(), djangoUserId()];
      const inviter = await raw(simplejwt(ada), '/ws/signaling/');
      const invitee = await raw(simplejwt(bo, 'access', { role: 'mentor' }), '/ws/signaling/');
      expect(await inviter.next('connection_established')).toEqual({ type: 'connection_established', user_id: ada });
      await invitee.next('connection_established');
      const room = `room_${bo}`;
      inviter.send({ type: 'call.invite', to_user_id: bo, target_type: 'mentor', room_id: room });
      expect(await inviter.next('invite.sent')).toMatchObject({ to_user_id: bo });
      expect(await invitee.next('call.ring')).toMatchObject({ from_user_id: ada, room_id: room });
      invitee.send({ type: 'call.response', to_user_id: ada, room_id: room, accept: false });
      expect(await invitee.next('response.sent')).toMatchObject({ to_user_id: ada });
      expect(await inviter.next('call.declined')).toMatchObject({ from_user_id: bo });
    });
  });

  describe('with JWT_USER_ID_CLAIM', () => {
    const { t, user } = useTestApp({ JWT_USER_ID_CLAIM: 'uid' });

    it("reads the user id from that claim only, and this server's own tokens still from sub", async () => {
      const own = await user();
      expect((await request(t.url).get('/auth/me').set('Authorization', `Bearer ${own.token}`).expect(200)).body.id).toBe(own.id);
      const token = sign({ uid: 4242, sub: 'ignored' }, TEST_JWT_SECRET);
      expect((await request(t.url).get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200)).body.id).toBe('4242');
      await request(t.url)
        .get('/auth/me')
        .set('Authorization', `Bearer ${sign({ sub: 'no-uid' }, TEST_JWT_SECRET)}`)
        .expect(401);
    });
  });

  describe('with JWT_ISSUER set', () => {
    const { t } = useTestApp({ JWT_ISSUER: 'legacy-backend' });

    it('refuses tokens without that issuer, simplejwt ones too, and admits its own', async () => {
      expect(await admittedOn(t.url, simplejwt(djangoUserId()))).toEqual(NOWHERE);
      expect(await admittedOn(t.url, sign({ sub: 'no-issuer' }, TEST_JWT_SECRET))).toEqual(NOWHERE);
      expect(await admittedOn(t.url, simplejwt(djangoUserId(), 'access', { iss: 'legacy-backend' }))).toEqual(EVERYWHERE);
    });
  });
});
