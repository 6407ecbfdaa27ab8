import { ThrottlerStorageService } from '@nestjs/throttler';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { REDIS } from '../src/cluster/cluster.tokens';
import type { RedisConnections } from '../src/cluster/redis-connections';
import { RedisThrottlerStorage } from '../src/limits/redis-throttler.storage';
import { startTestApp, TestApp } from './helpers/test-app';

const HTTP_LIMIT = 6;
const AUTH_LIMIT = 3;
/** Small limits, and X-Forwarded-For believed from one proxy hop, so a test can be many clients. */
const LIMITS_ENV = { TRUST_PROXY: '1', RATE_LIMIT_HTTP_PER_MIN: String(HTTP_LIMIT), RATE_LIMIT_AUTH_PER_MIN: String(AUTH_LIMIT) };

let addresses = 0;
/** A client address no other test has used, so each test starts with empty per-IP counts. */
function newIp(): string {
  addresses += 1;
  return `10.0.${Math.floor(addresses / 250)}.${(addresses % 250) + 1}`;
}

/** Requests from one client address, with a bearer token when given. */
function from(url: string, ip: string, token?: string) {
  const headers = (test: request.Test) => {
    test.set('X-Forwarded-For', ip);
    return token ? test.set('Authorization', `Bearer ${token}`) : test;
  };
  return {
    get: (path: string) => headers(request(url).get(path)),
    post: (path: string, body: object = {}) => headers(request(url).post(path)).send(body),
  };
}

interface User {
  id: string;
  email: string;
  password: string;
  token: string;
}

function newRegistration(name: string) {
  return {
    email: `${name}-${randomBytes(4).toString('hex')}@example.test`,
    password: 'correct horse battery',
    displayName: name,
    role: 'student',
  };
}

/** Registers from an address of its own unless one is given (each registration is an auth attempt). */
async function register(url: string, name: string, ip = newIp()): Promise<User> {
  const registration = newRegistration(name);
  const { body } = await from(url, ip).post('/auth/register', registration).expect(201);
  return { id: body.user.id, email: registration.email, password: registration.password, token: body.accessToken };
}

async function repeat(times: number, send: () => request.Test, status = 200): Promise<void> {
  for (let i = 0; i < times; i += 1) await send().expect(status);
}

/** The Retry-After of a refusal: whole seconds, within the one-minute window. */
function retryAfterOf(response: request.Response): number {
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  return retryAfter;
}

/** 429 in the contract's error shape, saying which limit and when to come back. */
function expectRateLimited(response: request.Response, reason: RegExp): void {
  expect(response.status).toBe(429);
  const retryAfter = retryAfterOf(response);
  expect(response.body).toEqual({ statusCode: 429, code: 'rate_limited', message: expect.stringMatching(reason) });
  expect(response.body.message).toContain(`retry in ${retryAfter} s`);
}

const FROM_ADDRESS = /^Too many requests from this address/;
const FOR_ACCOUNT = /^Too many requests for this account/;
const SIGN_INS = /^Too many sign-in attempts from this address/;

describe('HTTP rate limits (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(LIMITS_ENV);
  });
  afterAll(() => t.close());

  it('counts every request of an address across users, refuses the one over the limit and lets it change nothing', async () => {
    const alice = await register(t.url, 'alice');
    const bob = await register(t.url, 'bob');
    const ip = newIp();
    // Under the limit everything works, whoever asks.
    await repeat(HTTP_LIMIT / 2, () => from(t.url, ip, alice.token).get('/auth/me'));
    await repeat(HTTP_LIMIT / 2, () => from(t.url, ip, bob.token).get('/auth/me'));

    expectRateLimited(await from(t.url, ip, alice.token).post('/calls/start', { recipientUserId: bob.id }), FROM_ADDRESS);
    expectRateLimited(await from(t.url, ip, bob.token).get('/auth/me'), FROM_ADDRESS);

    // From another address Alice goes on; the refused call was never made, a let-through one is.
    const elsewhere = from(t.url, newIp(), alice.token);
    expect((await elsewhere.get('/calls/user/history').expect(200)).body.items).toEqual([]);
    await elsewhere.post('/calls/start', { recipientUserId: bob.id }).expect(201);
    expect((await elsewhere.get('/calls/user/history').expect(200)).body.items).toHaveLength(1);
  });

  it("counts every request of a user across addresses; the address's other users go on", async () => {
    const carol = await register(t.url, 'carol');
    const dave = await register(t.url, 'dave');
    for (let i = 0; i < HTTP_LIMIT; i += 1) await from(t.url, newIp(), carol.token).get('/auth/me').expect(200);

    const ip = newIp();
    expectRateLimited(await from(t.url, ip, carol.token).post('/calls/start', { recipientUserId: dave.id }), FOR_ACCOUNT);
    // Dave, from the same address, is not held up, and Carol's refused call to him does not exist.
    expect((await from(t.url, ip, dave.token).get('/calls/user/history').expect(200)).body.items).toEqual([]);
  });

  it('counts requests refused for their token against their address: it cannot try tokens without limit, and it is held up as any other', async () => {
    const kim = await register(t.url, 'kim');
    const ip = newIp();
    await repeat(HTTP_LIMIT / 2, () => from(t.url, ip, 'not-a-token').get('/auth/me'), 401);
    await repeat(HTTP_LIMIT / 2, () => from(t.url, ip).get('/calls/user/history'), 401);
    expectRateLimited(await from(t.url, ip, 'not-a-token').get('/auth/me'), FROM_ADDRESS);
    expectRateLimited(await from(t.url, ip, kim.token).get('/auth/me'), FROM_ADDRESS);
  });

  it('gives register and login a per-address budget of their own, apart from the general one', async () => {
    const ip = newIp();
    const erin = await register(t.url, 'erin', ip);
    await from(t.url, ip).post('/auth/login', { email: erin.email, password: erin.password }).expect(200);
    // Wrong passwords count too: that is what the limit is for.
    await from(t.url, ip).post('/auth/login', { email: erin.email, password: 'not the password' }).expect(401);

    const refusedRegistration = newRegistration('frank');
    expectRateLimited(await from(t.url, ip).post('/auth/register', refusedRegistration), SIGN_INS);
    expectRateLimited(await from(t.url, ip).post('/auth/login', { email: erin.email, password: erin.password }), SIGN_INS);
    // The refused registration created no user: the same email registers from elsewhere (a duplicate is 409).
    await from(t.url, newIp()).post('/auth/register', refusedRegistration).expect(201);

    // Sign-ins did not spend the address's general budget: all of it is left, and then it ends.
    const gina = await register(t.url, 'gina');
    await repeat(HTTP_LIMIT / 2, () => from(t.url, ip, erin.token).get('/auth/me'));
    await repeat(HTTP_LIMIT / 2, () => from(t.url, ip, gina.token).get('/auth/me'));
    expectRateLimited(await from(t.url, ip, gina.token).get('/auth/me'), FROM_ADDRESS);

    // And an address that has spent its general budget can still sign in.
    const busy = newIp();
    const hank = await register(t.url, 'hank');
    await repeat(HTTP_LIMIT / 2, () => from(t.url, busy, gina.token).get('/auth/me'));
    await repeat(HTTP_LIMIT / 2, () => from(t.url, busy, hank.token).get('/auth/me'));
    expectRateLimited(await from(t.url, busy, hank.token).get('/auth/me'), FROM_ADDRESS);
    await from(t.url, busy).post('/auth/login', { email: hank.email, password: hank.password }).expect(200);
  });

  it('never limits or counts load-balancer probes', async () => {
    const ip = newIp();
    for (let i = 0; i < HTTP_LIMIT * 2; i += 1) {
      await from(t.url, ip).get('/health').expect(200);
      await from(t.url, ip).get('/health/ready').expect(200);
    }
    // The probes took nothing from the address's budget.
    const ivy = await register(t.url, 'ivy');
    const jack = await register(t.url, 'jack');
    await repeat(HTTP_LIMIT / 2, () => from(t.url, ip, ivy.token).get('/auth/me'));
    await repeat(HTTP_LIMIT / 2, () => from(t.url, ip, jack.token).get('/auth/me'));
    expectRateLimited(await from(t.url, ip, jack.token).get('/auth/me'), FROM_ADDRESS);
  });

  it('refuses /api/video routes in their own envelope, with Retry-After', async () => {
    const ip = newIp();
    const kim = await register(t.url, 'kim');
    const lee = await register(t.url, 'lee');
    await repeat(HTTP_LIMIT / 2, () => from(t.url, ip, kim.token).get('/auth/me'));
    await repeat(HTTP_LIMIT / 2, () => from(t.url, ip, lee.token).get('/auth/me'));

    const refused = await from(t.url, ip, kim.token).post('/api/video/calls', { room_name: 'algebra' });
    expect(refused.status).toBe(429);
    const retryAfter = retryAfterOf(refused);
    expect(refused.body).toEqual({
      success: false,
      error: { code: 'rate_limited', message: `Too many requests from this address; retry in ${retryAfter} s` },
    });
    // No room was opened.
    expect((await from(t.url, newIp(), kim.token).get('/calls/user/history').expect(200)).body.items).toEqual([]);
  });
});

// Counts shared through Redis need a Redis: this part runs in the REDIS_URL pass only.
if (process.env.REDIS_URL) {
  describe('HTTP rate limits across instances sharing Redis (e2e)', () => {
    const sharedPrefix = `test-${randomBytes(6).toString('hex')}:`;
    let a: TestApp;
    let b: TestApp;
    let separate: TestApp;
    // Instances share a database as in production (PostgreSQL only: PGlite is one process's).
    // Passport's strategies are process-wide, so every app in this process checks tokens against
    // the database of the last one started: one database keeps that harmless.
    const databaseOf = (app: TestApp): Record<string, string> =>
      app.database.env.DATABASE_URL ? { DATABASE_URL: app.database.env.DATABASE_URL } : {};
    beforeAll(async () => {
      a = await startTestApp({ ...LIMITS_ENV, REDIS_PREFIX: sharedPrefix });
      b = await startTestApp({ ...LIMITS_ENV, REDIS_PREFIX: sharedPrefix, ...databaseOf(a) });
      // Same Redis, a prefix of its own (startTestApp's default): another deployment.
      separate = await startTestApp({ ...LIMITS_ENV, ...databaseOf(a) });
    });
    afterAll(async () => {
      // The owner of the shared database last: closing drops it.
      for (const app of [separate, b, a]) await app?.close();
    });

    it('counts sign-ins of an address on every instance with the same REDIS_PREFIX, and only there', async () => {
      const ip = newIp();
      await register(a.url, 'mia', ip);
      await register(b.url, 'ned', ip);
      await register(a.url, 'ola', ip);
      expectRateLimited(await from(b.url, ip).post('/auth/register', newRegistration('pat')), SIGN_INS);
      expectRateLimited(await from(a.url, ip).post('/auth/register', newRegistration('pat')), SIGN_INS);
      await register(separate.url, 'pat', ip);
    });

    it('Redis storage answers as the in-memory storage does, with and without a block', async () => {
      // blockDuration > 0 is not what the server configures, but it is part of the storage contract.
      const redis = new RedisThrottlerStorage(a.app.get<RedisConnections>(REDIS), `${sharedPrefix}storage-test:`);
      const memory = new ThrottlerStorageService();
      try {
        for (const blockMs of [0, 30_000]) {
          for (let hit = 1; hit <= 4; hit += 1) {
            const [inRedis, inMemory] = await Promise.all(
              [redis, memory].map((storage) => storage.increment(`key-${blockMs}`, 60_000, 2, blockMs, 'ip')),
            );
            expect({ totalHits: inRedis.totalHits, isBlocked: inRedis.isBlocked }).toEqual({
              totalHits: inMemory.totalHits,
              isBlocked: inMemory.isBlocked,
            });
            expect(inRedis.isBlocked).toBe(hit > 2);
            expect(inRedis.timeToExpire).toBeGreaterThanOrEqual(1);
            expect(inRedis.timeToExpire).toBeLessThanOrEqual(60);
            if (inRedis.isBlocked) expect(inRedis.timeToBlockExpire).toBeGreaterThanOrEqual(1);
            expect(inRedis.timeToBlockExpire).toBeLessThanOrEqual(blockMs > 0 ? 30 : 60);
          }
        }
      } finally {
        memory.onApplicationShutdown();
      }
    });

    if (process.env.DATABASE_URL) {
      it('counts the requests of an address and of a user on every instance with the same REDIS_PREFIX', async () => {
        const ip = newIp();
        const sam = await register(a.url, 'sam');
        const tia = await register(b.url, 'tia');
        await repeat(HTTP_LIMIT / 2, () => from(a.url, ip, sam.token).get('/auth/me'));
        await repeat(HTTP_LIMIT / 2, () => from(b.url, ip, tia.token).get('/auth/me'));
        expectRateLimited(await from(b.url, ip, sam.token).get('/auth/me'), FROM_ADDRESS);
        expectRateLimited(await from(a.url, ip, tia.token).get('/auth/me'), FROM_ADDRESS);

        const uma = await register(a.url, 'uma');
        for (let i = 0; i < HTTP_LIMIT; i += 1)
          await from(i % 2 === 0 ? a.url : b.url, newIp(), uma.token)
            .get('/auth/me')
            .expect(200);
        expectRateLimited(await from(a.url, newIp(), uma.token).get('/auth/me'), FOR_ACCOUNT);
        expectRateLimited(await from(b.url, newIp(), uma.token).get('/auth/me'), FOR_ACCOUNT);

        // Another prefix keeps counts of its own: the spent address and user go on there.
        await from(separate.url, ip, uma.token).get('/auth/me').expect(200);
      });
    }
  });
}
