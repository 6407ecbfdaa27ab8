import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { createTestDatabase, TestDatabase } from './test-database';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';

/**
 * Every test client comes from 127.0.0.1, and suites register and call at machine speed: limits
 * high enough not to get in the way of tests about something else. Limit tests set their own.
 */
export const GENEROUS_LIMITS: Record<string, string> = {
  RATE_LIMIT_EVENTS_PER_S: '100000',
  RATE_LIMIT_ICE_BURST: '100000',
  RATE_LIMIT_HTTP_PER_MIN: '1000000',
  RATE_LIMIT_AUTH_PER_MIN: '1000000',
  RATE_LIMIT_CALL_STARTS_PER_MIN: '100000',
  RATE_LIMIT_BYTES_PER_S: '1000000000',
  RATE_LIMIT_CONNECTS_PER_MIN: '1000000',
  RATE_LIMIT_REFUSED_CONNECTS_PER_MIN: '1000000',
  MAX_CONNECTIONS_PER_USER: '1000',
  MAX_UNAUTHENTICATED_PER_IP: '10000',
};

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  database: TestDatabase;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/**
 * Boots the real application on a free port against its own fresh, migrated database (and, when REDIS_URL
 * is set, the shared Redis). `env` takes the same variables as production (see .env.example).
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  // A suite that brings its own database (DATA_DIR or DATABASE_URL in `env`) does not need a copy.
  const database = await createTestDatabase({ migrated: env.DATA_DIR === undefined && env.DATABASE_URL === undefined });
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    PASSWORD_HASH_COST: '1024',
    // Tests run offline: no public STUN server for browsers to look up.
    STUN_URLS: 'none',
    ...GENEROUS_LIMITS,
    ...database.env,
    ...sharedRedis(),
    ...env,
    PORT: '0',
  });
  const app = await createApp(config, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    config,
    database,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

/** With REDIS_URL set (CI's Redis run), every app uses it, under a prefix of its own. */
export function sharedRedis(): Record<string, string> {
  const url = process.env.REDIS_URL;
  return url ? { REDIS_URL: url, REDIS_PREFIX: `test-${randomBytes(6).toString('hex')}:` } : {};
}
