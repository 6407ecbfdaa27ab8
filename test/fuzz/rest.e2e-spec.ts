import fc from 'fast-check';
import {
  BROKEN_SEGMENTS,
  databaseState,
  FUZZ_TIMEOUT_MS,
  expectErrorBody,
  expectNoLeak,
  expectNoPollution,
  fuzzWithHeapCheck,
  HTTP_STATUS,
  isStorable,
  nastyString,
  Outcome,
  Payload,
  percentEncode,
  Shape,
  shapeCases,
  validatorLength,
} from '../helpers/fuzz';
import { badTokens, connectIn, expectUsersStillFree, idPool, overhear, textIdPool, useFuzzWorld } from '../helpers/fuzz-world';

/** One request: `path` is already encoded; `auth` undefined sends the fuzzer's token, null none. */
interface HttpCase {
  label: string;
  method: string;
  path: string;
  auth?: string | null;
  contentType?: string;
  body?: string | FormData;
  expect: readonly Outcome[];
}

/** A path parameter as sent, and what the route should make of it. */
interface Param {
  raw: string;
  /** The decoded value, or undefined for a segment that cannot be decoded (or decodes to a NUL). */
  value?: string;
}

const MAX_UPLOAD_BYTES = 2048;
/** First path segments of real routes; any other is unknown. */
const KNOWN_ROOTS = ['auth', 'users', 'calls', 'presence', 'chat', 'api', 'health', 'metrics', 'socket.io', 'ws'];

describe('fuzz: every REST route (e2e)', () => {
  const f = useFuzzWorld(
    // The fuzzer's app stays connected while it fuzzes over HTTP: it must hear nothing either.
    async (t, built) => ({ fuzzerSocket: await connectIn(t, built.fuzzer, 'calls') }),
    { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) },
  );
  let fuzzerHeard: string[];
  beforeAll(() => {
    fuzzerHeard = overhear(f.fuzzerSocket);
  });

  /** Mostly ids that name nothing, sometimes `real` ones, sometimes segments that do not decode. */
  const param = (...real: string[]): fc.Arbitrary<Param> =>
    fc.oneof(
      // fetch resolves "." and ".." segments (encoded too) before sending, as browsers do.
      {
        arbitrary: textIdPool(...real)
          .filter((v) => v !== '.' && v !== '..')
          .map((value): Param => ({ raw: percentEncode(value), value })),
        weight: 6,
      },
      { arbitrary: fc.constantFrom(...BROKEN_SEGMENTS).map((raw): Param => ({ raw })), weight: 1 },
    );
  /** A broken segment is validation_failed whatever the route; else `outcome` of the decoded id. */
  const byParam = (p: Param, outcome: (id: string) => Outcome[]): Outcome[] =>
    p.value === undefined ? ['validation_failed'] : outcome(p.value);

  /**
   * Query strings: known keys with any values (valid or not: a GET changes nothing either way),
   * unknown or repeated keys (always refused).
   */
  const query = (keys: readonly string[]) => {
    const key = fc.oneof(fc.constantFrom(...keys), fc.string({ minLength: 1, maxLength: 10 }));
    const value = fc.oneof(nastyString, fc.integer().map(String), fc.constantFrom('1', '20', '100', 'CALLING', 'available', 'mentor'));
    return fc.array(fc.tuple(key, value), { maxLength: 4 }).map((pairs) => {
      const names = pairs.map(([name]) => name);
      const refused = names.some((name, i) => !keys.includes(name) || names.indexOf(name) !== i);
      const qs = pairs.map(([name, v]) => `${percentEncode(name)}=${percentEncode(v)}`).join('&');
      return { qs: qs ? `?${qs}` : '', expect: (refused ? ['validation_failed'] : ['ok', 'validation_failed']) as Outcome[] };
    });
  };

  const request = (method: string, path: string, expect: Outcome[]): HttpCase => ({ label: `${method} route`, method, path, expect });
  const get = (path: string, expect: Outcome[]) => request('GET', path, expect);

  /** JSON bodies of one DTO shape, POSTed to `path`. */
  const json = (path: string, shape: Shape, outcome: (p: Payload) => readonly Outcome[], options: { wellTyped?: boolean } = {}) =>
    shapeCases(shape, outcome, options).map((c): HttpCase => ({
      label: c.label,
      method: 'POST',
      path,
      contentType: 'application/json',
      body: JSON.stringify(c.payload) ?? 'undefined',
      expect: c.expect,
    }));

  function routeCases(): fc.Arbitrary<HttpCase> {
    const { fuzzer: me, observer: them, offline, missedCallId, foreignCallId } = f.world;
    const { ownConversationId, ownMessageId, foreignConversationId, foreignMessageId } = f.world;
    const users = [me.id, them.id, offline.id];
    const text = (max: number, min = 0, valid?: fc.Arbitrary<string>) => ({ type: 'text', min, max, valid }) as const;
    const callId = { callId: { type: 'id', valid: idPool(missedCallId, foreignCallId) } } satisfies Shape['required'];
    // The fuzzer is the host of the missed call (a party: it reads it, but only its recipient may answer).
    const onMissed =
      (outcome: Outcome) =>
      (id: unknown): Outcome[] => [id === missedCallId ? outcome : 'not_found'];
    const emails = fc.constantFrom(me.email, me.email.toUpperCase(), ` ${me.email} `);
    const displayName = nastyString.filter((s) => isStorable(s) && validatorLength(s.trim()) >= 1 && s.length <= 100);
    const avatarUrl = fc.constantFrom('https://example.test/a.png', 'http://cdn.example.test/%F0%9F%99%82.jpg?x=1');
    const sentNothing = (m: Payload) =>
      (typeof m.text === 'string' ? m.text : '').trim() === '' && !(Array.isArray(m.attachmentIds) && m.attachmentIds.length > 0);

    return fc.oneof(
      // Registering the fuzzer's email again (trimmed, any case) is a conflict; nothing else may be valid.
      json(
        '/auth/register',
        {
          required: {
            email: text(254, 0, emails),
            password: text(128, 8),
            displayName: text(100, 1, displayName),
            role: { type: 'enum', values: ['student', 'mentor', 'tutor'] },
          },
          optional: { avatarUrl: text(2048, 0, avatarUrl) },
        },
        () => ['invalid_state'],
      ),
      json(
        '/auth/login',
        { required: { email: text(254, 0, fc.oneof(emails, fc.constant('nobody@example.test'))), password: text(128, 1) } },
        () => ['unauthorized'],
      ),
      json(
        '/calls/start',
        {
          required: { recipientUserId: { type: 'id', valid: idPool(me.id) } },
          optional: { title: text(200), isPrivate: { type: 'boolean' }, hasVideo: { type: 'boolean' } },
        },
        (p) => [p.recipientUserId === me.id ? 'validation_failed' : 'not_found'],
      ),
      json('/calls/accept', { required: callId }, (p) => onMissed('forbidden')(p.callId)),
      json('/calls/decline', { required: callId }, (p) => onMissed('forbidden')(p.callId)),
      json('/calls/cancel', { required: callId }, (p) => onMissed('invalid_state')(p.callId)),
      param(missedCallId, foreignCallId).map((p) => get(`/calls/${p.raw}`, byParam(p, onMissed('ok')))),
      param(missedCallId, foreignCallId).map((p) => get(`/calls/${p.raw}/room`, byParam(p, onMissed('ok')))),
      param(missedCallId, foreignCallId).map((p) => request('DELETE', `/calls/${p.raw}`, byParam(p, onMissed('invalid_state')))),
      query(['limit', 'cursor', 'status']).map((q) => get(`/calls/user/history${q.qs}`, q.expect)),
      fc
        .constantFrom('/calls/user/current', '/calls/ice-servers', '/auth/me', '/health', '/health/ready', '/metrics')
        .map((path) => get(path, ['ok'])),
      param(...users).map((p) =>
        get(
          `/users/${p.raw}`,
          byParam(p, (id) => [users.includes(id) ? 'ok' : 'not_found']),
        ),
      ),
      param(...users).map((p) =>
        get(
          `/presence/${p.raw}`,
          byParam(p, (id) => [users.includes(id) ? 'ok' : 'not_found']),
        ),
      ),
      query(['status', 'role']).map((q) => get(`/presence/mentors${q.qs}`, q.expect)),
      query(['limit', 'cursor']).map((q) => get(`/chat/conversations${q.qs}`, q.expect)),
      // Opening a conversation with a real user or call would create one: only the fuzzer itself and foreign calls.
      json(
        '/chat/conversations',
        { required: {}, optional: { userId: text(128, 1, textIdPool(me.id)), callId: text(128, 1, textIdPool(foreignCallId)) } },
        (p) => [(p.userId === undefined) === (p.callId === undefined) || p.userId === me.id ? 'validation_failed' : 'not_found'],
      ),
      param(ownConversationId, foreignConversationId).map((p) =>
        get(
          `/chat/conversations/${p.raw}`,
          byParam(p, (id) => [id === ownConversationId ? 'ok' : 'not_found']),
        ),
      ),
      // The query is checked first: a foreign conversation with a bad query is validation_failed.
      fc.tuple(param(ownConversationId, foreignConversationId), query(['limit', 'before'])).map(([p, q]) =>
        get(
          `/chat/conversations/${p.raw}/messages${q.qs}`,
          byParam(p, (id) => (id === ownConversationId ? q.expect : q.qs ? ['not_found', 'validation_failed'] : ['not_found'])),
        ),
      ),
      // Never to the fuzzer's own conversation: a valid message there would be stored.
      param(foreignConversationId).chain((p) =>
        json(
          `/chat/conversations/${p.raw}/messages`,
          {
            required: {},
            optional: {
              text: text(4000),
              clientMessageId: text(100, 1, fc.stringMatching(/^[\x21-\x7e]{1,100}$/)),
              attachmentIds: { type: 'ids', max: 10, valid: textIdPool() },
            },
          },
          (m) => byParam(p, () => [sentNothing(m) ? 'validation_failed' : 'not_found']),
        ),
      ),
      // Reading up to the fuzzer's own (last read) message changes nothing.
      param(ownConversationId, foreignConversationId).chain((p) =>
        json(
          `/chat/conversations/${p.raw}/read`,
          { required: { upToMessageId: text(128, 1, textIdPool(ownMessageId, foreignMessageId)) } },
          (m) => byParam(p, (id) => [id === ownConversationId && m.upToMessageId === ownMessageId ? 'ok' : 'not_found']),
        ),
      ),
      param().map((p) =>
        get(
          `/chat/attachments/${p.raw}`,
          byParam(p, () => ['not_found']),
        ),
      ),
      // A valid room_name would open a room: only refused bodies.
      json('/api/video/calls', { required: {}, optional: { room_name: text(200, 1) } }, () => ['validation_failed'], { wellTyped: false }),
      // The fuzzer already holds the missed call's host seat.
      param(missedCallId, foreignCallId).map((p) =>
        request('POST', `/api/video/calls/${p.raw}/join`, byParam(p, onMissed('invalid_state'))),
      ),
      param(missedCallId, foreignCallId).map((p) =>
        request('POST', `/api/video/calls/${p.raw}/end`, byParam(p, onMissed('invalid_state'))),
      ),
      param(missedCallId, foreignCallId).map((p) => get(`/api/video/calls/${p.raw}`, byParam(p, onMissed('ok')))),
    );
  }

  /** Routes that read a JSON body. */
  const BODY_ROUTES = [
    '/auth/register',
    '/auth/login',
    '/calls/start',
    '/calls/accept',
    '/calls/decline',
    '/calls/cancel',
    '/chat/conversations',
    '/api/video/calls',
  ];

  /** Bodies no route reads: malformed JSON, over the parser's limit, non-JSON types, form fields of no DTO. */
  function bodyCases(): fc.Arbitrary<HttpCase> {
    const path = fc.constantFrom(...BODY_ROUTES);
    const post =
      (label: string, contentType: string, body: string, expect: Outcome[]) =>
      (p: string): HttpCase => ({ label, method: 'POST', path: p, contentType, body, expect });
    const malformed = fc.oneof(
      fc.string({ maxLength: 50 }),
      fc.constantFrom('{', '{"callId":', "{'a':1}", '{"a":1,}', 'undefined', 'NaN', '\u0000', '"str"', '12', 'null', 'true'),
    );
    const formFields = fc.dictionary(fc.stringMatching(/^[a-z]{3,8}$/), fc.string({ maxLength: 10 }), { minKeys: 1, maxKeys: 3 });
    return fc.oneof(
      fc
        .tuple(malformed, path)
        // An empty body is no body: the parser reads it as {}.
        .filter(([body]) => body !== '' && !isJsonObjectOrArray(body))
        .map(([body, p]) => post('malformed JSON', 'application/json', body, ['validation_failed'])(p)),
      fc
        .tuple(fc.integer({ min: 110_000, max: 300_000 }), path)
        .map(([n, p]) => post('oversize body', 'application/json', `{"text":"${'x'.repeat(n)}"}`, ['payload_too_large'])(p)),
      fc.tuple(formFields, path).map(([fields, p]) => {
        const body = new URLSearchParams({ ...fields, zz_unknown: '1' }).toString();
        return post('unknown form fields', 'application/x-www-form-urlencoded', body, ['validation_failed'])(p);
      }),
    );
  }

  /** Uploads that must store nothing: refused types, over MAX_UPLOAD_BYTES, the wrong field, no file, two files, broken multipart. */
  function uploadCases(): fc.Arbitrary<HttpCase> {
    const name = fc.oneof(nastyString, fc.constantFrom('../../etc/passwd', 'a\u0000.png', 'x'.repeat(500), 'évil.html'));
    // busboy refuses a part whose name has control characters, and multer skips one named "", "." or "..": too large shows with a plain name.
    const plainName = fc
      .oneof(fc.stringMatching(/^[\w.-]{1,40}$/), fc.constantFrom('évil.png', '🙂.pdf', '../../etc/passwd', 'x'.repeat(500)))
      .filter((n) => !['.', '..'].includes(n));
    const upload = (label: string, expect: Outcome[], build: (form: FormData) => void): HttpCase => {
      const form = new FormData();
      build(form);
      return { label, method: 'POST', path: '/chat/attachments', body: form, expect };
    };
    const file = (bytes: number, type: string) => new Blob([Buffer.alloc(bytes, 0x61)], { type });
    const refusedType = fc.constantFrom(
      'text/html',
      'image/svg+xml',
      'application/javascript',
      'application/xml',
      'text/html; charset=utf-8',
      'application/x-sh',
    );
    const tooLarge = fc.integer({ min: MAX_UPLOAD_BYTES + 1, max: MAX_UPLOAD_BYTES * 4 });
    return fc.oneof(
      fc
        .tuple(refusedType, name, fc.integer({ min: 0, max: 1000 }))
        .map(([type, n, bytes]) => upload('refused type', ['validation_failed'], (form) => form.append('file', file(bytes, type), n))),
      fc
        .tuple(fc.constantFrom('image/png', 'text/plain', 'application/pdf'), plainName, tooLarge)
        .map(([type, n, bytes]) => upload('too large', ['payload_too_large'], (form) => form.append('file', file(bytes, type), n))),
      fc
        .tuple(fc.constantFrom('files', 'upload', 'File', ''), name)
        .map(([field, n]) => upload('wrong field', ['validation_failed'], (form) => form.append(field, file(10, 'image/png'), n))),
      fc.string({ maxLength: 20 }).map((value) => upload('no file', ['validation_failed'], (form) => form.append('note', value))),
      name.map((n) =>
        upload('two files', ['validation_failed'], (form) => {
          form.append('file', file(10, 'image/png'), n);
          form.append('file', file(10, 'image/png'), n);
        }),
      ),
      fc.string({ maxLength: 200 }).map((body): HttpCase => ({
        label: 'broken multipart',
        method: 'POST',
        path: '/chat/attachments',
        contentType: 'multipart/form-data; boundary=xyz',
        body,
        expect: ['validation_failed'],
      })),
    );
  }

  /** No token, or one that is no good: every protected route says unauthorized before reading anything. */
  function authCases(): fc.Arbitrary<HttpCase> {
    const header = fc
      .oneof(
        fc.constant(null),
        badTokens(f.t, f.world.fuzzer).map((token) => `Bearer ${token}`),
        fc.constantFrom('Basic dXNlcjpwYXNz', 'Bearer', 'bearer  ', f.world.fuzzer.token, `Token ${f.world.fuzzer.token}`),
      )
      // A header value is Latin-1 on the wire; fetch refuses anything else.
      .map((value) => (value !== null && !/^[\x20-\x7e]*$/.test(value) ? `Bearer ${Buffer.from(value).toString('base64')}` : value));
    const requests: Array<Omit<HttpCase, 'auth' | 'expect' | 'label'>> = [
      { method: 'GET', path: '/auth/me' },
      { method: 'GET', path: '/calls/user/current' },
      { method: 'GET', path: `/calls/${f.world.missedCallId}` },
      {
        method: 'POST',
        path: '/calls/start',
        contentType: 'application/json',
        body: JSON.stringify({ recipientUserId: f.world.observer.id }),
      },
      { method: 'POST', path: '/api/video/calls', contentType: 'application/json', body: '{}' },
      { method: 'GET', path: '/chat/conversations' },
      { method: 'GET', path: `/users/${f.world.observer.id}` },
    ];
    return fc
      .tuple(fc.constantFrom(...requests), header)
      .map(([request, auth]): HttpCase => ({ ...request, label: 'bad auth', auth, expect: ['unauthorized'] }));
  }

  /** Paths and methods no route has. */
  function unknownRouteCases(): fc.Arbitrary<HttpCase> {
    const segment = fc.oneof(nastyString, fc.stringMatching(/^[a-z]{1,10}$/)).filter((s) => s !== '' && s !== '.' && s !== '..');
    const unknownPath = fc
      .array(segment, { minLength: 1, maxLength: 4 })
      .filter(([first]) => !KNOWN_ROOTS.includes(first))
      .map((parts) => `/${parts.map(percentEncode).join('/')}`);
    const knownPath = fc.constantFrom('/calls/start', '/auth/login', '/chat/conversations', `/calls/${f.world.missedCallId}`, '/health');
    return fc.oneof(
      fc
        .tuple(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), unknownPath)
        .map(([method, path]): HttpCase => ({ label: 'unknown path', method, path, expect: ['not_found'] })),
      fc
        .tuple(fc.constantFrom('PUT', 'PATCH'), knownPath)
        .map(([method, path]): HttpCase => ({ label: 'unknown method', method, path, expect: ['not_found'] })),
    );
  }

  /** Sends one request and checks its answer: success only where the case allows it, else the contract's error for the status. */
  async function sendHttpCase(c: HttpCase): Promise<void> {
    const headers: Record<string, string> = {};
    const auth = c.auth === undefined ? `Bearer ${f.world.fuzzer.token}` : c.auth;
    if (auth !== null) headers.Authorization = auth;
    if (c.contentType) headers['Content-Type'] = c.contentType;
    const response = await fetch(`${f.t.url}${c.path}`, { method: c.method, headers, body: c.body });
    const text = await response.text();
    try {
      checkAnswer(c, response.status, text);
    } catch (error) {
      // The answer itself, next to the failed expectation: fast-check prints only the case.
      throw new Error(`${c.method} ${c.path} answered ${response.status} ${text.slice(0, 500)}\n${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  function checkAnswer(c: HttpCase, status: number, text: string): void {
    expectNoLeak(text);
    if (status < 300) {
      expect(c.expect).toContain('ok');
      return;
    }
    const body = JSON.parse(text) as { statusCode?: number; success?: boolean; error?: unknown };
    // Seed 004's routes answer in their envelope; everything else (the parsers and router included) in the standard body.
    const enveloped = c.path.startsWith('/api/video/calls') && body.success === false;
    if (!enveloped) expect(body.statusCode).toBe(status);
    const code = expectErrorBody(enveloped ? body.error : body, c.expect);
    expect(status).toBe(HTTP_STATUS[code]);
  }

  it(
    'answers every malformed, foreign or unknown request with the contract error for its status and changes nothing',
    async () => {
      const cases = fc.oneof(
        { arbitrary: routeCases(), weight: 10 },
        { arbitrary: bodyCases(), weight: 2 },
        { arbitrary: uploadCases(), weight: 2 },
        { arbitrary: authCases(), weight: 2 },
        { arbitrary: unknownRouteCases(), weight: 1 },
      );
      await fuzzWithHeapCheck(cases, async (c) => {
        await sendHttpCase(c);
        expectNoPollution();
      });
      expect(await databaseState(f.t.app)).toEqual(f.world.state);
      expect(f.heard).toEqual([]);
      expect(fuzzerHeard).toEqual([]);
    },
    FUZZ_TIMEOUT_MS,
  );

  it('leaves the fuzzing user free to call, and the server healthy', async () => {
    await expectUsersStillFree(f.t, f.world, f.observer);
  });
});

function isJsonObjectOrArray(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null;
  } catch {
    return false;
  }
}
