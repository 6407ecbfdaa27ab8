import { generateKeyPairSync } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { DEFAULT_STUN_URLS, DEVELOPMENT_JWT_SECRET, loadConfig } from './app-config';

/** A real key, as a platform's identity provider publishes it. */
const PUBLIC_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('loadConfig', () => {
  it('runs with no configuration at all', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toMatch(/data$/);
    expect(config.jwt).toMatchObject({ secret: DEVELOPMENT_JWT_SECRET, usesDevelopmentSecret: true, expiresInSeconds: 86400 });
    expect(config.socketAuthTimeoutMs).toBe(10_000);
    expect(config.chat.maxUploadBytes).toBe(10 * 1024 * 1024);
    expect(config.chat.uploadDir).toBe(`${config.dataDir}/uploads`);
    expect(config.chat.uploadContentTypes).toContain('image/png');
    expect(config.chat.uploadContentTypes).not.toContain('image/svg+xml');
  });

  it.each([
    ['PORT', 'eighty', /PORT must be a whole number/],
    ['PORT', '70000', /PORT must be between 0 and 65535/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must use postgres: or postgresql:/],
    ['DATABASE_URL', 'not a url', /DATABASE_URL must be a URL/],
    ['JWT_EXPIRES_IN', '1 week', /JWT_EXPIRES_IN must be a positive duration/],
    ['JWT_EXPIRES_IN', '0', /JWT_EXPIRES_IN must be a positive duration/],
    ['SOCKET_AUTH_TIMEOUT_MS', '-5', /SOCKET_AUTH_TIMEOUT_MS must be a whole number|between/],
    ['JWT_PUBLIC_KEY', 'abc', /JWT_PUBLIC_KEY must be a PEM-encoded public key/],
    ['JWT_PUBLIC_KEY', '-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----', /JWT_PUBLIC_KEY must be a PEM-encoded public key/],
    ['NODE_ENV', 'staging', /NODE_ENV must be one of/],
    ['PASSWORD_HASH_COST', '3000', /PASSWORD_HASH_COST must be a power of two/],
    ['REDIS_URL', 'http://localhost', /REDIS_URL must use redis: or rediss:/],
    ['REDIS_PORT', '6380', /REDIS_HOST must be set when REDIS_PORT is/],
    ['MAX_UPLOAD_BYTES', '0', /MAX_UPLOAD_BYTES must be between/],
    ['UPLOAD_CONTENT_TYPES', 'image/png, text/html', /UPLOAD_CONTENT_TYPES "text\/html" would let uploads run script/],
    ['UPLOAD_CONTENT_TYPES', 'png', /UPLOAD_CONTENT_TYPES "png" is not a content type/],
    ['CORS_ORIGIN', 'app.example', /CORS_ORIGIN "app.example" is not an origin/],
    ['CORS_ORIGIN', 'https://app.example/signin', /CORS_ORIGIN "https:\/\/app.example\/signin" is not an origin/],
  ])('names %s when its value %p is invalid', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('reads Redis from REDIS_URL, or from REDIS_HOST and REDIS_PORT', () => {
    expect(loadConfig({}).redis).toBeUndefined();
    expect(loadConfig({ REDIS_URL: 'redis://cache:6380/2' }).redis).toEqual({
      urls: ['redis://cache:6380/2'],
      cluster: false,
      prefix: 'calls:',
    });
    expect(loadConfig({ REDIS_HOST: 'cache' }).redis?.urls).toEqual(['redis://cache:6379']);
    expect(loadConfig({ REDIS_HOST: 'cache', REDIS_PORT: '7000', REDIS_PREFIX: 'tutoring:' }).redis).toEqual({
      urls: ['redis://cache:7000'],
      cluster: false,
      prefix: 'tutoring:',
    });
  });

  it('reads a Redis Cluster from REDIS_CLUSTER_NODES, and refuses it beside REDIS_URL or a prefix that would pick the slot', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'redis://a:7000, redis://b:7001' }).redis).toEqual({
      urls: ['redis://a:7000', 'redis://b:7001'],
      cluster: true,
      prefix: 'calls:',
    });
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis://a:7000', REDIS_URL: 'redis://b:6379' })).toThrow(
      /REDIS_CLUSTER_NODES.*not both/,
    );
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis://a:7000,a:7001' })).toThrow(/REDIS_CLUSTER_NODES must/);
    expect(() => loadConfig({ REDIS_URL: 'redis://a:6379', REDIS_PREFIX: '{calls}:' })).toThrow(/REDIS_PREFIX must not contain/);
  });

  it('reads the platform webhook: URL and secret together, a whsec_ secret decoded, a short or malformed one refused', () => {
    const key = Buffer.alloc(32, 7);
    const webhooks = (env: Record<string, string>) => loadConfig({ PLATFORM_WEBHOOK_URL: 'https://lms.example/hooks', ...env }).webhooks;
    expect(loadConfig({}).webhooks).toBeUndefined();
    expect(webhooks({ PLATFORM_WEBHOOK_SECRET: `whsec_${key.toString('base64')}` })).toEqual({
      url: 'https://lms.example/hooks',
      secret: key,
      timeoutMs: 10_000,
      retryBaseMs: 1_000,
      maxAttempts: 15,
    });
    expect(webhooks({ PLATFORM_WEBHOOK_SECRET: 'x'.repeat(32), PLATFORM_WEBHOOK_MAX_ATTEMPTS: '3' })).toMatchObject({
      secret: Buffer.from('x'.repeat(32)),
      maxAttempts: 3,
    });
    expect(() => webhooks({})).toThrow(/PLATFORM_WEBHOOK_SECRET must be set/);
    expect(() => loadConfig({ PLATFORM_WEBHOOK_SECRET: 'x'.repeat(32) })).toThrow(/PLATFORM_WEBHOOK_URL must be set/);
    expect(() => webhooks({ PLATFORM_WEBHOOK_SECRET: 'too-short' })).toThrow(/PLATFORM_WEBHOOK_SECRET must be at least 32/);
    expect(() => webhooks({ PLATFORM_WEBHOOK_SECRET: 'whsec_not base64!' })).toThrow(/PLATFORM_WEBHOOK_SECRET after whsec_/);
    expect(() => webhooks({ PLATFORM_WEBHOOK_SECRET: `whsec_${Buffer.alloc(8).toString('base64')}` })).toThrow(/24 to 64 random bytes/);
    expect(() => webhooks({ PLATFORM_WEBHOOK_SECRET: 'x'.repeat(32), PLATFORM_WEBHOOK_URL: 'ftp://lms.example' })).toThrow(
      /PLATFORM_WEBHOOK_URL/,
    );
  });

  it('reads session limits: none by default, warnings at 5 and 1 minutes, each refused when out of range', () => {
    expect(loadConfig({}).calls).toMatchObject({ defaultMaxDurationS: null, limitWarningsS: [300, 60] });
    expect(loadConfig({ CALL_MAX_DURATION_S: '3600', CALL_LIMIT_WARNINGS_S: '60, 600,60' }).calls).toMatchObject({
      defaultMaxDurationS: 3600,
      limitWarningsS: [600, 60],
    });
    expect(() => loadConfig({ CALL_MAX_DURATION_S: '86401' })).toThrow(/CALL_MAX_DURATION_S must be between 0 and 86400/);
    for (const warnings of ['0', '5m', '1.5', '100000']) {
      expect(() => loadConfig({ CALL_LIMIT_WARNINGS_S: warnings })).toThrow(/CALL_LIMIT_WARNINGS_S must be whole seconds/);
    }
  });

  it('refuses production without a real JWT secret: unset, short, published, or not random-looking', () => {
    const production = (JWT_SECRET?: string) => loadConfig({ NODE_ENV: 'production', JWT_SECRET });
    expect(() => production()).toThrow(/JWT_SECRET must be set/);
    expect(() => production('short')).toThrow(/JWT_SECRET must be at least 32/);
    expect(() => production('replace-with-a-long-random-secret')).toThrow(/JWT_SECRET is a published example value/);
    expect(() => production(DEVELOPMENT_JWT_SECRET)).toThrow(/published/);
    expect(() => production('x'.repeat(64))).toThrow(/JWT_SECRET does not look random \(about 0 bits/);
    expect(() => production(randomBytes(16).toString('hex'))).toThrow(/does not look random/); // 16 bytes, not 32
    expect(production(randomBytes(32).toString('hex')).jwt.usesDevelopmentSecret).toBe(false);
    expect(production(randomBytes(48).toString('base64')).jwt.usesDevelopmentSecret).toBe(false);
    // Outside production a weak secret is the developer's business.
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(8) }).jwt.secret).toBe('x'.repeat(8));
  });

  it('closes the demo, the docs and the metrics in production unless opened', () => {
    const secret = randomBytes(48).toString('base64');
    const pagesOf = (env: Record<string, string>) => {
      const config = loadConfig(env);
      return { ...config.pages, metrics: config.observability.metricsOpen };
    };
    expect(pagesOf({})).toEqual({ demo: true, docs: true, metrics: true });
    expect(pagesOf({ NODE_ENV: 'production', JWT_SECRET: secret })).toEqual({ demo: false, docs: false, metrics: false });
    expect(pagesOf({ NODE_ENV: 'production', JWT_SECRET: secret, DEMO_ENABLED: 'true', DOCS_ENABLED: 'yes', METRICS_PUBLIC: '1' })).toEqual(
      { demo: true, docs: true, metrics: true },
    );
    expect(pagesOf({ DEMO_ENABLED: 'off' }).demo).toBe(false);
    expect(() => loadConfig({ DOCS_ENABLED: 'maybe' })).toThrow(/DOCS_ENABLED must be true or false \(got "maybe"\)/);
    expect(loadConfig({ HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
  });

  it('offers a public STUN server unless told otherwise', () => {
    expect(loadConfig({}).ice.stunUrls).toEqual(DEFAULT_STUN_URLS);
    expect(loadConfig({ STUN_URLS: 'stun:stun.example.test:3478' }).ice.stunUrls).toEqual(['stun:stun.example.test:3478']);
    expect(loadConfig({ STUN_URLS: 'none' }).ice.stunUrls).toEqual([]);
    expect(loadConfig({}).host).toBeUndefined();
  });

  it('reads durations, lists and escaped PEM newlines', () => {
    const config = loadConfig({
      JWT_EXPIRES_IN: '15m',
      CORS_ORIGIN: 'https://a.example, https://b.example',
      JWT_PUBLIC_KEY: PUBLIC_PEM.replace(/\n/g, '\\n'),
    });
    expect(config.jwt.expiresInSeconds).toBe(900);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    // Origins as browsers send them: no trailing slash, host in lower case, no default port; `*` is any origin.
    expect(loadConfig({ CORS_ORIGIN: 'https://App.example/, http://b.example:80' }).corsOrigins).toEqual([
      'https://app.example',
      'http://b.example',
    ]);
    expect(loadConfig({ CORS_ORIGIN: '*' }).corsOrigins).toEqual([]);
    expect(config.jwt.external.publicKey).toBe(PUBLIC_PEM);
  });
});
