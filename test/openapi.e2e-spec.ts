import type { OpenAPIObject, OperationObject, ReferenceObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { ERROR_CODES, type ErrorCode, httpStatusOf } from '../src/common/errors';
import { expressRoutes, handlerInputs, RouteParamtypes } from './helpers/http-routes';
import { openApiSchemaErrors, operationsOf, refName, ResponseChecker, unresolvedRefs } from './helpers/openapi';
import { startTestApp, TestApp } from './helpers/test-app';
import { registerUser } from './helpers/users';

/** Swagger's own UI and document routes; every other route must be documented, /docs/realtime* included. */
const SWAGGER_OWN_ROUTE = /^GET \/docs(-json|-yaml|\/?|\/index\.html|\/LICENSE|\/swagger-ui-init\.js|\/docs\/swagger-ui-init\.js)$/;

/**
 * Routes that document no error: GET /health answers a constant (public, never rate-limited), and
 * GET /health/ready reports a failed check as its own 503 body, which load balancers read.
 */
const CANNOT_FAIL = new Set(['GET /health', 'GET /health/ready']);

/** 503 is readiness's own answer, not an error of the catalogue. */
const isError = (status: string) => /^[45]\d\d$/.test(status) && status !== '503';

const needsBearer = (operation: OperationObject) => (operation.security ?? []).some((requirement) => 'bearer' in requirement);

describe('OpenAPI document (e2e)', () => {
  let t: TestApp;
  let document: OpenAPIObject;

  beforeAll(async () => {
    t = await startTestApp({
      STUN_URLS: 'stun:stun.example.test:3478',
      TURN_URLS: 'turn:turn.example.test:3478',
      TURN_SECRET: 'turn-shared-secret',
    });
    const response = await request(t.url)
      .get('/docs-json')
      .expect(200)
      .expect('Content-Type', /application\/json/);
    document = response.body as OpenAPIObject;
  });
  afterAll(() => t.close());

  it('is served without a token, titled, versioned from package.json, with a tag per module', () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(document.openapi).toMatch(/^3\.0\./);
    expect(document.info).toMatchObject({ title: expect.any(String), version, description: expect.stringContaining('Bearer') });
    const tags = (document.tags ?? []).map((tag) => tag.name);
    expect(tags).toEqual(
      expect.arrayContaining(['auth', 'users', 'calls', 'video-calls', 'chat', 'presence', 'health', 'metrics', 'webhooks']),
    );
    for (const { key, operation } of operationsOf(document)) {
      expect({ key, summary: operation.summary }).toEqual({ key, summary: expect.stringMatching(/\S/) });
      expect({ key, tags: operation.tags }).toEqual({ key, tags: [expect.any(String)] });
    }
  });

  it('documents exactly the routes the running server has', () => {
    const served = new Set(expressRoutes(t.app).filter((route) => !SWAGGER_OWN_ROUTE.test(route)));
    const documented = new Set(operationsOf(document).map((operation) => operation.key));
    expect([...served].filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !served.has(route))).toEqual([]);
    // The enumeration itself works: these come from controllers of every kind.
    expect([...served]).toEqual(
      expect.arrayContaining(['POST /calls/start', 'GET /calls/{id}/room', 'POST /api/video/calls/{callId}/join', 'GET /metrics']),
    );
  });

  it('requires the bearer token on exactly the routes that refuse a request without one', async () => {
    expect(document.security).toBeUndefined();
    expect(document.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    const checker = new ResponseChecker(document);
    const problems: string[] = [];
    for (const { key, method, path, operation } of operationsOf(document)) {
      const response = await request(t.url)[method](path.replace(/\{\w+\}/g, 'x'));
      const refused = response.status === 401;
      if (needsBearer(operation) !== refused)
        problems.push(
          `${key}: ${refused ? 'refuses a request without a token but documents no bearer' : `documents a bearer token but answered ${response.status} without one`}`,
        );
      // The refusal itself is the documented 401 (the /api/video routes give theirs in their envelope).
      if (refused) problems.push(...checker.problems(key, 401, response.headers['content-type'], response.body));
    }
    expect(problems).toEqual([]);
  });

  it('documents the errors of every route, in the schema of the error catalogue', () => {
    const schemas = document.components?.schemas ?? {};
    expect((schemas.ErrorCode as SchemaObject).enum).toEqual([...ERROR_CODES]);
    for (const name of ['ErrorResponse', 'VideoError']) {
      expect(JSON.stringify((schemas[name] as SchemaObject).properties?.code)).toContain('"#/components/schemas/ErrorCode"');
    }

    const problems: string[] = [];
    for (const { key, path, operation } of operationsOf(document)) {
      const errors = Object.entries(operation.responses).filter(([status]) => isError(status));
      if (CANNOT_FAIL.has(key)) {
        if (errors.length > 0) problems.push(`${key}: documents errors it cannot give`);
        continue;
      }
      if (errors.length === 0) problems.push(`${key}: documents no error response`);
      const schema = path.startsWith('/api/video/') ? 'VideoErrorEnvelope' : 'ErrorResponse';
      for (const [status, response] of errors) {
        const content = (response as ResponseObject).content;
        if (Object.keys(content ?? {}).join() !== 'application/json' || refName(content?.['application/json'].schema) !== schema) {
          problems.push(`${key} ${status}: not application/json with the ${schema} schema`);
          continue;
        }
        // Each example names a catalogue code whose HTTP status is this one.
        const codes = Object.keys(content?.['application/json'].examples ?? {});
        if (codes.length === 0) problems.push(`${key} ${status}: no example naming its code`);
        for (const code of codes) {
          if (!ERROR_CODES.includes(code as ErrorCode) || String(httpStatusOf(code as ErrorCode)) !== status)
            problems.push(`${key} ${status}: example ${code}`);
        }
      }
      if (needsBearer(operation) && !('401' in operation.responses)) problems.push(`${key}: needs a token but documents no 401`);
    }
    expect(problems).toEqual([]);
  });

  it('documents a success response with a schema, request bodies and parameters for every route', () => {
    const problems: string[] = [];
    for (const { key, path, operation } of operationsOf(document)) {
      const successes = Object.entries(operation.responses).filter(([status]) => /^2\d\d$/.test(status));
      if (successes.length === 0) problems.push(`${key}: no success response`);
      for (const [status, response] of successes) {
        const content = (response as ResponseObject).content;
        if (status === '204' ? content !== undefined : !content || Object.values(content).some((media) => media.schema === undefined)) {
          problems.push(`${key} ${status}: ${status === '204' ? 'a body on 204' : 'no schema for its body'}`);
        }
      }
      const declared = (operation.parameters ?? [])
        .flatMap((parameter) => ('in' in parameter && parameter.in === 'path' ? [parameter.name] : []))
        .sort();
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      if (declared.join() !== inPath.join()) problems.push(`${key}: path parameters ${declared.join()} for ${inPath.join()}`);
    }

    // What the handlers read, from Nest's metadata: a body needs a documented request body, a query DTO its parameters.
    const inputs = handlerInputs(t.app);
    expect(inputs.get('POST /calls/start')).toContain(RouteParamtypes.BODY);
    expect(inputs.get('POST /chat/attachments')).toContain(RouteParamtypes.FILE);
    for (const { key, operation } of operationsOf(document)) {
      const reads = inputs.get(key) ?? new Set<RouteParamtypes>();
      const takesBody = reads.has(RouteParamtypes.BODY) || reads.has(RouteParamtypes.FILE);
      if (takesBody !== (operation.requestBody !== undefined))
        problems.push(`${key}: ${takesBody ? 'reads a body it does not document' : 'documents a body it does not read'}`);
      const queries = (operation.parameters ?? []).filter((parameter) => 'in' in parameter && parameter.in === 'query');
      if (reads.has(RouteParamtypes.QUERY) && queries.length === 0) problems.push(`${key}: reads a query it does not document`);
    }
    expect(problems).toEqual([]);
    const queries = (key: string) =>
      (operation(key).parameters ?? []).flatMap((parameter) => ('in' in parameter && parameter.in === 'query' ? [parameter.name] : []));
    expect(queries('GET /calls/user/history')).toEqual(['limit', 'cursor', 'status']);
    expect(queries('GET /chat/conversations/{id}/messages')).toEqual(['limit', 'before']);
    expect(queries('GET /presence/mentors')).toEqual(['status', 'role']);
    expect(refName(bodyContent('POST /calls/start')?.['application/json']?.schema)).toBe('StartCallDto');
  });

  it('documents the multipart upload, the 204 of the current call, and /metrics as text', () => {
    const upload = bodyContent('POST /chat/attachments');
    const form = upload?.['multipart/form-data']?.schema as ReferenceObject;
    const fields = (document.components?.schemas?.[refName(form)!] as SchemaObject).properties;
    expect(fields?.file).toMatchObject({ type: 'string', format: 'binary' });

    const current = operation('GET /calls/user/current');
    expect(Object.keys(current.responses)).toEqual(expect.arrayContaining(['200', '204']));

    const metrics = operation('GET /metrics');
    expect((metrics.responses['200'] as ResponseObject).content).toHaveProperty('text/plain');
    expect(metrics.security).toEqual(expect.arrayContaining([{}, { 'metrics-token': [] }]));
    expect(document.components?.securitySchemes?.['metrics-token']).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('is a valid OpenAPI 3.0 document whose references all resolve', () => {
    expect(unresolvedRefs(document)).toEqual([]);
    expect(openApiSchemaErrors(document)).toEqual([]);
  });

  it('serves Swagger UI with its scripts and styles from this server', async () => {
    for (const page of ['/docs', '/docs/']) {
      const response = await request(t.url)
        .get(page)
        .expect(200)
        .expect('Content-Type', /text\/html/);
      const assets = [...response.text.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)=["']([^"']+)["']/g)].map(
        (match) => new URL(match[1], `${t.url}${page}`),
      );
      expect(assets.map((asset) => asset.pathname)).toEqual(
        expect.arrayContaining(['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/swagger-ui-init.js']),
      );
      for (const asset of assets) {
        expect(asset.origin).toBe(t.url);
        const fetched = await request(t.url).get(asset.pathname).expect(200);
        if (asset.pathname.endsWith('.js')) expect(fetched.headers['content-type']).toMatch(/javascript/);
        if (asset.pathname.endsWith('.css')) expect(fetched.headers['content-type']).toMatch(/text\/css/);
      }
    }
    // The UI's init script carries this very document, so it works with no further request.
    const init = await request(t.url).get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('"/calls/start"');
  });

  it('leaves /docs/realtime to its own routes, and answers Swagger errors in the contract shape', async () => {
    const realtime = await request(t.url).get('/docs/realtime');
    expect(realtime.text).not.toContain('swagger-ui-bundle');
    const license = await request(t.url).get('/docs/LICENSE').expect(404);
    expect(license.body).toEqual({ statusCode: 404, code: 'not_found', message: expect.any(String) });
  });

  it('matches what the routes really answer', async () => {
    const checker = new ResponseChecker(document);
    const problems: string[] = [];
    const check = async (key: string, pending: request.Test) => {
      const response = await pending;
      const body = response.headers['content-type']?.startsWith('application/json') ? response.body : response.text;
      problems.push(...checker.problems(key, response.status, response.headers['content-type'], body));
      return response;
    };
    const as = (token: string) => ({
      get: (path: string) => request(t.url).get(path).set('Authorization', `Bearer ${token}`),
      post: (path: string, body?: object) => request(t.url).post(path).set('Authorization', `Bearer ${token}`).send(body),
      delete: (path: string) => request(t.url).delete(path).set('Authorization', `Bearer ${token}`),
    });

    const registered = await check(
      'POST /auth/register',
      request(t.url)
        .post('/auth/register')
        .send({ email: `openapi-${Date.now()}@example.test`, password: 'correct horse battery', displayName: 'Ada', role: 'student' }),
    );
    const ada = {
      id: registered.body.user.id as string,
      token: registered.body.accessToken as string,
      email: registered.body.user.email as string,
    };
    const grace = await registerUser(t.url, 'mentor', 'Grace');
    const api = as(ada.token);
    await check('POST /auth/login', request(t.url).post('/auth/login').send({ email: ada.email, password: 'correct horse battery' }));
    await check('POST /auth/register', request(t.url).post('/auth/register').send({ email: 'not an email', role: 'admin' }));
    await check('POST /auth/login', request(t.url).post('/auth/login').send({ email: ada.email, password: 'wrong password' }));
    await check('GET /auth/me', api.get('/auth/me'));
    await check('GET /users/{id}', api.get(`/users/${grace.id}`));
    await check('GET /users/{id}', api.get('/users/nobody'));
    await check('GET /presence/{userId}', api.get(`/presence/${grace.id}`));
    await check('GET /presence/mentors', api.get('/presence/mentors'));
    await check('GET /presence/mentors', api.get('/presence/mentors?status=sleeping'));
    await check('GET /calls/ice-servers', api.get('/calls/ice-servers'));

    // Grace is offline: the call is MISSED at once, and leaves a call record in their conversation.
    const missed = await check('POST /calls/start', api.post('/calls/start', { recipientUserId: grace.id, title: 'Office hours' }));
    expect(missed.status).toBe(201);
    await check('POST /calls/start', api.post('/calls/start', { recipientUserId: ada.id }));
    await check('GET /calls/{id}', api.get(`/calls/${missed.body.id}`));
    await check('GET /calls/{id}/room', api.get(`/calls/${missed.body.id}/room`));
    await check('POST /calls/accept', api.post('/calls/accept', { callId: missed.body.id }));
    await check('GET /calls/user/current', api.get('/calls/user/current'));

    // A room link Grace joins: an active call, then ended over REST.
    const link = await check('POST /api/video/calls', api.post('/api/video/calls', { room_name: `openapi-${Date.now()}` }));
    await check('GET /api/video/calls/{callId}', as(grace.token).get(`/api/video/calls/${link.body.data.id}`));
    await check('POST /api/video/calls/{callId}/join', as(grace.token).post(`/api/video/calls/${link.body.data.id}/join`));
    await check('GET /calls/user/current', api.get('/calls/user/current'));
    await check('DELETE /calls/{id}', api.delete(`/calls/${link.body.data.id}`));
    await check('POST /api/video/calls/{callId}/end', api.post(`/api/video/calls/${link.body.data.id}/end`));
    await check('GET /api/video/calls/{callId}', api.get('/api/video/calls/nothing'));
    await check('GET /calls/user/history', api.get('/calls/user/history?limit=1'));
    await check('GET /calls/user/history', api.get('/calls/user/history?cursor=forged'));

    const conversation = await check('POST /chat/conversations', api.post('/chat/conversations', { userId: grace.id }));
    const upload = await check(
      'POST /chat/attachments',
      api.post('/chat/attachments').attach('file', Buffer.from('hello'), { filename: 'notes.txt', contentType: 'text/plain' }),
    );
    const path = `/chat/conversations/${conversation.body.id}`;
    const sent = await check(
      'POST /chat/conversations/{id}/messages',
      api.post(`${path}/messages`, { text: 'Missed you', clientMessageId: 'openapi-1', attachmentIds: [upload.body.id] }),
    );
    await check(
      'POST /chat/conversations/{id}/messages',
      api.post(`${path}/messages`, { text: 'Missed you', clientMessageId: 'openapi-1' }),
    );
    await check('POST /chat/conversations/{id}/messages', api.post(`${path}/messages`, { text: '' }));
    await check('GET /chat/conversations/{id}', api.get(path));
    await check('GET /chat/conversations/{id}/messages', as(grace.token).get(`${path}/messages`));
    await check('POST /chat/conversations/{id}/read', as(grace.token).post(`${path}/read`, { upToMessageId: sent.body.id }));
    await check('GET /chat/conversations', api.get('/chat/conversations'));
    await check('GET /chat/conversations/{id}', api.get('/chat/conversations/elsewhere'));
    await check('GET /chat/attachments/{id}', as(grace.token).get(`/chat/attachments/${upload.body.id}`));

    await check('GET /health', request(t.url).get('/health'));
    await check('GET /', request(t.url).get('/'));
    await check('GET /health/ready', request(t.url).get('/health/ready'));
    await check('GET /metrics', request(t.url).get('/metrics'));
    expect(problems).toEqual([]);
  });

  function operation(key: string) {
    const found = operationsOf(document).find((candidate) => candidate.key === key);
    if (!found) throw new Error(`${key} is not documented`);
    return found.operation;
  }

  function bodyContent(key: string) {
    return (operation(key).requestBody as { content: Record<string, { schema?: SchemaObject | ReferenceObject }> } | undefined)?.content;
  }
});
