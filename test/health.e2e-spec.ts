import request from 'supertest';
import { startTestApp, TestApp } from './helpers/test-app';

describe('health (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers liveness and readiness without a token', async () => {
    await request(t.url).get('/health').expect(200, { status: 'ok' });
    const { body } = await request(t.url).get('/health/ready').expect(200);
    expect(body).toEqual({ status: 'ok', database: 'up', ...(t.config.redis ? { redis: 'up' } : {}) });
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await request(t.url).get('/no/such/route').expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, code: 'not_found' });
  });
});
