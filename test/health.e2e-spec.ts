import request from 'supertest';
import type { SharedLookup } from '../src/common/shared-lookup';
import { PrismaService } from '../src/database/prisma.service';
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

  it('asks the database once for many readiness probes at once, and is not ready when it does not answer in time', async () => {
    const prisma = t.app.get(PrismaService);
    const reachability = (prisma as unknown as { reachability: SharedLookup<boolean> }).reachability;
    const asked = jest.spyOn(prisma, '$queryRaw');
    reachability.drop();
    const probes = await Promise.all(Array.from({ length: 50 }, () => request(t.url).get('/health/ready')));
    expect(probes.map((probe) => probe.status)).toEqual(Array(50).fill(200));
    expect(asked).toHaveBeenCalledTimes(1);

    reachability.drop();
    asked.mockImplementationOnce(() => new Promise(() => undefined) as never);
    const { body } = await request(t.url).get('/health/ready').expect(503);
    expect(body).toMatchObject({ status: 'unavailable', database: 'down' });
    asked.mockRestore();
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await request(t.url).get('/no/such/route').expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, code: 'not_found' });
  });
});
