import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { resolve } from 'node:path';
import { sign } from 'jsonwebtoken';
import request from 'supertest';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './helpers/test-app';
import { registerUser } from './helpers/users';
import { useTestApp } from './helpers/suite';

describe('auth (e2e)', () => {
  let t: TestApp;
  const api = () => request(t.url);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('POST /auth/register', () => {
    it('creates the user and returns a working token', async () => {
      const res = await api()
        .post('/auth/register')
        .send({ email: ' Ada@Example.TEST ', password: 'long enough', displayName: ' Ada ', role: 'mentor' })
        .expect(201);
      expect(res.body.user).toEqual({
        id: expect.any(String),
        email: 'ada@example.test',
        displayName: 'Ada',
        avatarUrl: null,
        role: 'mentor',
        createdAt: expect.any(String),
      });
      expect(res.body.user).not.toHaveProperty('passwordHash');
      const me = await api().get('/auth/me').set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
      expect(me.body).toEqual(res.body.user);
    });

    it('answers 409 for a duplicate email, whatever its case, and keeps the first account', async () => {
      const first = await registerUser(t.url);
      const res = await api()
        .post('/auth/register')
        .send({ email: first.email.toUpperCase(), password: 'another password', displayName: 'Copy', role: 'student' })
        .expect(409);
      expect(res.body).toMatchObject({ statusCode: 409, code: 'invalid_state', details: { email: expect.any(Array) } });
      await api().post('/auth/login').send({ email: first.email, password: first.password }).expect(200);
    });

    it('refuses to self-register an admin', async () => {
      const res = await api()
        .post('/auth/register')
        .send({ email: 'root@example.test', password: 'long enough', displayName: 'Root', role: 'admin' })
        .expect(400);
      expect(res.body).toMatchObject({ code: 'validation_failed', details: { role: expect.any(Array) } });
    });

    it('reports every invalid field, and unknown ones, with per-field details', async () => {
      const res = await api()
        .post('/auth/register')
        .send({ email: 'nope', password: 'short', displayName: '', role: 'wizard', isAdmin: true })
        .expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'validation_failed', message: expect.any(String) });
      expect(Object.keys(res.body.details).sort()).toEqual(['displayName', 'email', 'isAdmin', 'password', 'role']);
      expect(res.body).not.toHaveProperty('stack');
    });

    it('answers malformed bodies with validation_failed', async () => {
      const notJson = await api().post('/auth/register').set('Content-Type', 'application/json').send('{"email":').expect(400);
      expect(notJson.body).toEqual({ statusCode: 400, code: 'validation_failed', message: 'Request body is not valid JSON' });
      const array = await api().post('/auth/register').send([1, 2]).expect(400);
      expect(array.body).toMatchObject({ code: 'validation_failed', message: 'The payload must be a JSON object' });
      const tooBig = await api()
        .post('/auth/register')
        .send({ email: 'x'.repeat(200_000) })
        .expect(413);
      expect(tooBig.body).toMatchObject({ code: 'payload_too_large' });
    });
  });

  describe('POST /auth/login', () => {
    it('returns a token for the right password', async () => {
      const user = await registerUser(t.url, 'tutor');
      const res = await api().post('/auth/login').send({ email: user.email.toUpperCase(), password: user.password }).expect(200);
      expect(res.body.user).toMatchObject({ id: user.id, role: 'tutor' });
      await api().get('/auth/me').set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
    });

    it('gives the same 401 for a wrong password and an unknown email', async () => {
      const user = await registerUser(t.url);
      const wrong = await api().post('/auth/login').send({ email: user.email, password: 'wrong password' }).expect(401);
      const unknown = await api().post('/auth/login').send({ email: 'nobody@example.test', password: 'wrong password' }).expect(401);
      expect(wrong.body).toEqual({ statusCode: 401, code: 'unauthorized', message: 'Invalid email or password' });
      expect(unknown.body).toEqual(wrong.body);
    });
  });

  describe('bearer tokens', () => {
    const me = (token?: string) => {
      const req = api().get('/auth/me');
      return token === undefined ? req : req.set('Authorization', `Bearer ${token}`);
    };

    it('refuses a missing, garbage, expired, unsigned or foreign-signed token', async () => {
      const user = await registerUser(t.url);
      const claims = { sub: user.id, iss: 'call-signaling', role: 'student' };
      const expired = sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, TEST_JWT_SECRET);
      const unsigned = sign(claims, '', { algorithm: 'none' });
      const wrongSecret = sign(claims, 'some-other-secret-of-sufficient-length');
      for (const token of [undefined, 'garbage', 'a.b.c', expired, unsigned, wrongSecret]) {
        const res = await me(token).expect(401);
        expect(res.body).toMatchObject({ statusCode: 401, code: 'unauthorized' });
      }
      expect((await me(expired)).body.message).toBe('Access token expired');
      await me(sign(claims, TEST_JWT_SECRET)).expect(200);
    });

    it('refuses a token whose user no longer exists', async () => {
      const token = sign({ sub: 'no-such-user', iss: 'call-signaling' }, TEST_JWT_SECRET);
      await me(token).expect(401);
    });
  });

  describe('GET /users/:id', () => {
    it('shows the public profile only', async () => {
      const viewer = await registerUser(t.url);
      const mentor = await registerUser(t.url, 'mentor', 'Grace');
      const res = await api().get(`/users/${mentor.id}`).set('Authorization', `Bearer ${viewer.token}`).expect(200);
      expect(res.body).toEqual({ id: mentor.id, displayName: 'Grace', avatarUrl: null, role: 'mentor' });
    });

    it('answers 404 for an unknown user and 401 without a token', async () => {
      const viewer = await registerUser(t.url);
      const res = await api().get('/users/unknown').set('Authorization', `Bearer ${viewer.token}`).expect(404);
      expect(res.body).toMatchObject({ code: 'not_found' });
      await api().get(`/users/${viewer.id}`).expect(401);
    });
  });
});

describe('external identity provider tokens (e2e)', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const issuer = 'https://idp.example.test/';
  const audience = 'tutoring-app';
  let t: TestApp;

  const external = (claims: object, options: { audience?: string; issuer?: string } = {}) =>
    sign(claims, privateKey, {
      algorithm: 'RS256',
      issuer: options.issuer ?? issuer,
      audience: options.audience ?? audience,
      expiresIn: 600,
    });

  beforeAll(async () => {
    t = await startTestApp({ JWT_PUBLIC_KEY: publicPem, JWT_ISSUER: issuer, JWT_AUDIENCE: audience });
  });
  afterAll(() => t.close());

  it('creates the user from the claims on first use, once, even when first uses race', async () => {
    const token = external({ sub: 'idp-user-42', email: 'Lin@School.test', name: 'Lin', role: 'tutor' });
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => request(t.url).get('/auth/me').set('Authorization', `Bearer ${token}`)),
    );
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: 'idp-user-42', email: 'lin@school.test', displayName: 'Lin', role: 'tutor' });
    }
    const profile = await request(t.url).get('/users/idp-user-42').set('Authorization', `Bearer ${token}`).expect(200);
    expect(profile.body.displayName).toBe('Lin');
  });

  it('refuses a wrong audience or issuer, and an HMAC token forged with the public key', async () => {
    const claims = { sub: 'idp-user-7', name: 'Mo' };
    for (const token of [
      external(claims, { audience: 'another-app' }),
      external(claims, { issuer: 'https://evil.example.test/' }),
      sign(claims, publicPem, { algorithm: 'HS256', issuer, audience }),
    ]) {
      const res = await request(t.url).get('/auth/me').set('Authorization', `Bearer ${token}`).expect(401);
      expect(res.body.code).toBe('unauthorized');
    }
  });

  it('still accepts its own tokens', async () => {
    const user = await registerUser(t.url);
    await request(t.url).get('/auth/me').set('Authorization', `Bearer ${user.token}`).expect(200);
  });

  it('does not let an external token take over an existing account by email', async () => {
    const local = await registerUser(t.url);
    const token = external({ sub: 'idp-user-9', email: local.email, name: 'Impostor' });
    // Admitted as its own user, with an address of its own: the account registered here is untouched.
    const me = await request(t.url).get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body).toMatchObject({ id: 'idp-user-9', email: 'idp-user-9@external.invalid', displayName: 'Impostor' });
    const owner = await request(t.url).get('/auth/me').set('Authorization', `Bearer ${local.token}`).expect(200);
    expect(owner.body).toMatchObject({ id: local.id, email: local.email });
  });
});

describe('tokens of a shared-secret identity provider (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ JWT_ISSUER: 'legacy-backend' });
  });
  afterAll(() => t.close());

  it('accepts HS256 tokens from the configured issuer only', async () => {
    const good = sign({ sub: 123, name: 'Numeric Id', role: 'mentor' }, TEST_JWT_SECRET, { issuer: 'legacy-backend' });
    const res = await request(t.url).get('/auth/me').set('Authorization', `Bearer ${good}`).expect(200);
    expect(res.body).toMatchObject({ id: '123', role: 'mentor', displayName: 'Numeric Id' });
    const otherIssuer = sign({ sub: 124 }, TEST_JWT_SECRET, { issuer: 'someone-else' });
    await request(t.url).get('/auth/me').set('Authorization', `Bearer ${otherIssuer}`).expect(401);
  });
});

describe('npm run token (e2e)', () => {
  const { t } = useTestApp({ JWT_ISSUER: 'https://idp.example.test/', JWT_AUDIENCE: 'tutoring' });
  const mint = (...args: string[]) =>
    execFileSync(
      process.execPath,
      ['-r', require.resolve('ts-node/register/transpile-only'), resolve(__dirname, '../src/cli/token.ts'), ...args],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, JWT_SECRET: TEST_JWT_SECRET, JWT_ISSUER: 'https://idp.example.test/', JWT_AUDIENCE: 'tutoring' },
      },
    ).trim();

  it('mints a token the server accepts, creating its user from the claims, for support and testing', async () => {
    const userId = `support-${Date.now()}`;
    const token = mint('--user', userId, '--role', 'mentor', '--name', 'Grace', '--expires', '10m');
    const me = await request(t.url).get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body).toMatchObject({ id: userId, role: 'mentor', displayName: 'Grace' });
    expect(() => mint('--role', 'mentor')).toThrow(/usage: npm run token -- --user <id>/);
  });
});
