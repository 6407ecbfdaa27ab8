import { createPublicKey } from 'node:crypto';
import { resolve } from 'node:path';
import { bool, ConfigError, durationSeconds, Env, int, list, oneOf, origins, str, url, urlList } from './env-parsers';
import { DEVELOPMENT_JWT_SECRET, productionSecretProblem } from './secret-strength';

export { DEVELOPMENT_JWT_SECRET };

/**
 * Reads and validates the whole configuration once. The rest of the server receives the
 * result through the APP_CONFIG provider and never reads process.env itself.
 */
export function loadConfig(env: Env) {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'], 'development');
  const dataDir = resolve(str(env, 'DATA_DIR', './data'));

  const jwtSecret = str(env, 'JWT_SECRET');
  if (!jwtSecret && nodeEnv === 'production') {
    throw new ConfigError('JWT_SECRET', 'must be set when NODE_ENV=production');
  }
  const secretProblem = jwtSecret && nodeEnv === 'production' ? productionSecretProblem(jwtSecret) : undefined;
  if (secretProblem) throw new ConfigError('JWT_SECRET', secretProblem);
  const jwtPublicKey = str(env, 'JWT_PUBLIC_KEY')?.replace(/\\n/g, '\n');
  if (jwtPublicKey && !isPublicKey(jwtPublicKey)) throw new ConfigError('JWT_PUBLIC_KEY', 'must be a PEM-encoded public key');

  const pushWebhookUrl = url(env, 'PUSH_WEBHOOK_URL', ['http:', 'https:']);
  if (pushWebhookUrl && !str(env, 'PUSH_WEBHOOK_SECRET')) {
    throw new ConfigError('PUSH_WEBHOOK_SECRET', 'must be set when PUSH_WEBHOOK_URL is');
  }
  const platformWebhooks = platformWebhookSetting(env);
  const turnUrls = list(env, 'TURN_URLS');
  const redis = redisSetting(env);
  if (turnUrls.length > 0 && !str(env, 'TURN_SECRET')) throw new ConfigError('TURN_SECRET', 'must be set when TURN_URLS is');

  return {
    nodeEnv,
    port: int(env, 'PORT', 3000, { min: 0, max: 65535 }),
    /** The address to listen on; unset: every interface. */
    host: str(env, 'HOST'),
    /** The demo page (/demo) and the API docs (/docs): on by default outside production (ext). */
    pages: {
      demo: bool(env, 'DEMO_ENABLED', nodeEnv !== 'production'),
      docs: bool(env, 'DOCS_ENABLED', nodeEnv !== 'production'),
    },
    /** Exact origins allowed for browsers; empty means any origin (development). */
    corsOrigins: origins(env, 'CORS_ORIGIN'),
    dataDir,
    /** Unset: the embedded PGlite database under DATA_DIR. */
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    jwt: {
      secret: jwtSecret ?? DEVELOPMENT_JWT_SECRET,
      usesDevelopmentSecret: !jwtSecret,
      expiresInSeconds: durationSeconds(env, 'JWT_EXPIRES_IN', '1d'),
      /** Issuer written into the tokens this server signs. */
      ownIssuer: 'call-signaling',
      external: {
        publicKey: jwtPublicKey,
        issuer: str(env, 'JWT_ISSUER'),
        audience: str(env, 'JWT_AUDIENCE'),
        /** The claim that names the user; unset: `sub`, else `user_id` (djangorestframework-simplejwt's). */
        userIdClaim: str(env, 'JWT_USER_ID_CLAIM'),
      },
    },
    /**
     * Unset: in-process state, one instance. Set: shared state, timers and fan-out for N instances,
     * on one Redis (`urls` has one URL) or on a Redis Cluster (`cluster`: its nodes to start from).
     */
    redis,
    socketAuthTimeoutMs: int(env, 'SOCKET_AUTH_TIMEOUT_MS', 10_000, { min: 100, max: 300_000 }),
    /**
     * Dead peers (ext): Socket.IO pings every interval and drops a peer that has not answered
     * within the timeout; a raw WebSocket that has not answered one ping by the next is dropped.
     * Both defaults notice a silently dead client within 15 s.
     */
    heartbeat: {
      socketIoPingIntervalMs: int(env, 'SOCKET_PING_INTERVAL_MS', 10_000, { min: 100, max: 300_000 }),
      socketIoPingTimeoutMs: int(env, 'SOCKET_PING_TIMEOUT_MS', 5_000, { min: 100, max: 300_000 }),
      wsPingIntervalMs: int(env, 'WS_PING_INTERVAL_MS', 7_000, { min: 100, max: 300_000 }),
    },
    limits: {
      /** Realtime messages per connection and second (a token bucket of this size)... */
      eventsPerSecond: int(env, 'RATE_LIMIT_EVENTS_PER_S', 50, { min: 1, max: 1_000_000 }),
      /** ...with ICE candidates in a bucket of their own that holds this many (they come in bursts). */
      iceBurst: int(env, 'RATE_LIMIT_ICE_BURST', 100, { min: 1, max: 1_000_000 }),
      /** Bytes of realtime frames per user, second and instance, checked before a frame is parsed (ext). */
      bytesPerSecond: int(env, 'RATE_LIMIT_BYTES_PER_S', 262_144, { min: 1_024, max: 1_073_741_824 }),
      /** Realtime connections a user may open per minute on one instance, in bursts of as many (ext). */
      connectsPerMinute: int(env, 'RATE_LIMIT_CONNECTS_PER_MIN', 20, { min: 1, max: 1_000_000 }),
      /** Connections refused for their user's limits, per client address and minute, before the address waits (ext). */
      refusedConnectsPerMinute: int(env, 'RATE_LIMIT_REFUSED_CONNECTS_PER_MIN', 60, { min: 1, max: 1_000_000 }),
      /** HTTP requests per minute, per user and per IP. */
      httpPerMinute: int(env, 'RATE_LIMIT_HTTP_PER_MIN', 600, { min: 1, max: 10_000_000 }),
      /** Register and login attempts per minute per IP. */
      authPerMinute: int(env, 'RATE_LIMIT_AUTH_PER_MIN', 30, { min: 1, max: 10_000_000 }),
      /** Calls a user may start per minute, on every dialect together (ext). */
      callStartsPerMinute: int(env, 'RATE_LIMIT_CALL_STARTS_PER_MIN', 20, { min: 1, max: 1_000_000 }),
      /** Live realtime connections per user, across instances (ext). */
      connectionsPerUser: int(env, 'MAX_CONNECTIONS_PER_USER', 10, { min: 1, max: 100_000 }),
      /** Socket.IO sessions not yet authenticated, per client IP (ext). */
      unauthenticatedPerIp: int(env, 'MAX_UNAUTHENTICATED_PER_IP', 20, { min: 1, max: 1_000_000 }),
      /**
       * Reverse proxies in front of the server whose X-Forwarded-For is believed (ext): 0 uses the
       * peer address; N takes the address N hops back. Only set it behind proxies you run.
       */
      trustProxyHops: int(env, 'TRUST_PROXY', 0, { min: 0, max: 10 }),
    },
    /** A user is online until their last connection has been gone this long (no flapping on reload). */
    presenceGraceMs: int(env, 'PRESENCE_GRACE_MS', 5_000, { min: 0, max: 600_000 }),
    /** Above this many users online, connections that subscribed to nothing hear only some mentors' changes (MentorStatusService). */
    presenceBroadcastLimit: int(env, 'PRESENCE_BROADCAST_LIMIT', 1_000, { min: 0, max: 100_000_000 }),
    help: {
      /** A request nobody accepted expires after this long. */
      requestTtlMs: int(env, 'HELP_REQUEST_TTL_MS', 120_000, { min: 100, max: 86_400_000 }),
      /** (ext) A request offered first to the mentors matched to its topic reaches every available one of its type after this long. */
      escalateAfterMs: int(env, 'HELP_ESCALATE_AFTER_MS', 30_000, { min: 0, max: 86_400_000 }),
      /** (ext) A mentor who accepted calls the student within this long, or the request goes back to the head of its queue. */
      reservationMs: int(env, 'HELP_RESERVATION_MS', 60_000, { min: 100, max: 3_600_000 }),
      /** (ext) A student has at most this many requests waiting or reserved at once. */
      openPerStudent: int(env, 'HELP_OPEN_REQUESTS_PER_STUDENT', 5, { min: 1, max: 1_000 }),
    },
    calls: {
      ringTimeoutMs: int(env, 'RING_TIMEOUT_MS', 60_000, { min: 100, max: 600_000 }),
      reconnectGraceMs: int(env, 'RECONNECT_GRACE_MS', 15_000, { min: 0, max: 600_000 }),
      /** How often stale calls are settled (after a crash, or a timer lost with its process). */
      sweepIntervalMs: int(env, 'CALL_SWEEP_INTERVAL_MS', 30_000, { min: 100, max: 3_600_000 }),
      maxSignalBytes: int(env, 'MAX_SIGNAL_BYTES', 65_536, { min: 256, max: 10_485_760 }),
      /** (ext) The length limit of a call that sets none, in seconds once answered; null: none. */
      defaultMaxDurationS: int(env, 'CALL_MAX_DURATION_S', 0, { min: 0, max: 86_400 }) || null,
      /** (ext) Seconds before a call's limit when both parties are warned, latest last. */
      limitWarningsS: limitWarnings(env),
    },
    chat: {
      /** A typing indicator whose stop was lost ends by itself after this long (ext). */
      typingTimeoutMs: int(env, 'TYPING_TIMEOUT_MS', 6_000, { min: 100, max: 600_000 }),
      maxUploadBytes: int(env, 'MAX_UPLOAD_BYTES', 10 * 1024 * 1024, { min: 1, max: 1024 * 1024 * 1024 }),
      uploadDir: resolve(str(env, 'UPLOAD_DIR', resolve(dataDir, 'uploads'))),
      /** What may be uploaded (ext); never types a browser would run, such as HTML or SVG. */
      uploadContentTypes: contentTypes(env, 'UPLOAD_CONTENT_TYPES', DEFAULT_UPLOAD_CONTENT_TYPES),
    },
    /** Where notices for users with no live connection go (the platform's push gateway). */
    push: pushWebhookUrl ? { url: pushWebhookUrl, secret: str(env, 'PUSH_WEBHOOK_SECRET')! } : undefined,
    /** Where every call, help request and feedback event is delivered, signed, at least once (ext). */
    webhooks: platformWebhooks,
    ice: {
      stunUrls: stunUrls(env),
      turnUrls,
      turnSecret: str(env, 'TURN_SECRET'),
      turnTtlSeconds: int(env, 'TURN_TTL_S', 86_400, { min: 60, max: 7 * 86_400 }),
    },
    observability: {
      /** One JSON object per line (for log shippers), or Nest's coloured text (ext). */
      logFormat: oneOf(env, 'LOG_FORMAT', ['json', 'text'], nodeEnv === 'production' ? 'json' : 'text'),
      logLevel: oneOf(env, 'LOG_LEVEL', ['debug', 'log', 'warn', 'error'], 'log'),
      /** When set, GET /metrics wants `Authorization: Bearer <METRICS_TOKEN>` (ext). */
      metricsToken: str(env, 'METRICS_TOKEN'),
      /** Without a token, whether GET /metrics is open: by default outside production only (ext). */
      metricsOpen: bool(env, 'METRICS_PUBLIC', nodeEnv !== 'production'),
    },
    /** On SIGTERM, how long draining may take before the process exits anyway (ext). */
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, { min: 100, max: 600_000 }),
    /** scrypt cost (N); lower it only in tests. */
    passwordHashCost: powerOfTwo(env, 'PASSWORD_HASH_COST', 16384),
  };
}

/** A public STUN server, so that calls between two networks can find their way (ext). */
export const DEFAULT_STUN_URLS = ['stun:stun.l.google.com:19302'];

/** STUN_URLS as given; unset, the public default; `none`, no STUN at all. */
function stunUrls(env: Env): string[] {
  const urls = list(env, 'STUN_URLS');
  if (urls.length === 0) return DEFAULT_STUN_URLS;
  return urls.length === 1 && urls[0].toLowerCase() === 'none' ? [] : urls;
}

/** Images, PDFs, plain text, office documents, audio and video notes: what tutoring sessions share. */
const DEFAULT_UPLOAD_CONTENT_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'text/markdown',
  'text/csv',
  'application/zip',
  'audio/mpeg',
  'audio/ogg',
  'audio/webm',
  'audio/wav',
  'video/mp4',
  'video/webm',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
];

/** Types a browser renders as active content: they would run script from our origin. */
const ACTIVE_CONTENT =
  /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|text\/javascript|application\/javascript)$/;

function contentTypes(env: Env, name: string, fallback: string[]): string[] {
  const types = list(env, name).map((type) => type.toLowerCase());
  for (const type of types) {
    if (!/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(type)) throw new ConfigError(name, `"${type}" is not a content type (type/subtype)`);
    if (ACTIVE_CONTENT.test(type)) throw new ConfigError(name, `"${type}" would let uploads run script in browsers`);
  }
  return types.length > 0 ? types : fallback;
}

/** The platform's webhook: both URL and secret, or neither. */
function platformWebhookSetting(env: Env) {
  const endpoint = url(env, 'PLATFORM_WEBHOOK_URL', ['http:', 'https:']);
  const secret = str(env, 'PLATFORM_WEBHOOK_SECRET');
  if (!endpoint) {
    if (secret) throw new ConfigError('PLATFORM_WEBHOOK_URL', 'must be set when PLATFORM_WEBHOOK_SECRET is');
    return undefined;
  }
  if (!secret) throw new ConfigError('PLATFORM_WEBHOOK_SECRET', 'must be set when PLATFORM_WEBHOOK_URL is');
  return {
    url: endpoint,
    secret: webhookSecret(secret),
    /** How long one attempt may take; a platform that has not answered by then is tried again later. */
    timeoutMs: int(env, 'PLATFORM_WEBHOOK_TIMEOUT_MS', 10_000, { min: 100, max: 60_000 }),
    /** The wait after the first failed attempt; it doubles after each, up to an hour. */
    retryBaseMs: int(env, 'PLATFORM_WEBHOOK_RETRY_BASE_MS', 1_000, { min: 10, max: 3_600_000 }),
    /** Attempts before an event is given up (it stays listed, and an administrator can replay it). */
    maxAttempts: int(env, 'PLATFORM_WEBHOOK_MAX_ATTEMPTS', 15, { min: 1, max: 100 }),
  };
}

/** The signing key: a Standard Webhooks secret (`whsec_` and base64), or any other string's bytes. */
function webhookSecret(secret: string): Buffer {
  if (!secret.startsWith('whsec_')) {
    if (secret.length < 32) throw new ConfigError('PLATFORM_WEBHOOK_SECRET', 'must be at least 32 characters, or a whsec_ secret');
    return Buffer.from(secret, 'utf8');
  }
  const encoded = secret.slice('whsec_'.length);
  const key = Buffer.from(encoded, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.length < 24 || key.length > 64) {
    throw new ConfigError('PLATFORM_WEBHOOK_SECRET', 'after whsec_ must be the base64 of 24 to 64 random bytes');
  }
  return key;
}

function limitWarnings(env: Env): number[] {
  const given = list(env, 'CALL_LIMIT_WARNINGS_S');
  if (given.length === 0) return [300, 60];
  const seconds = given.map((value) => Number(value));
  if (seconds.some((n) => !Number.isInteger(n) || n < 1 || n > 86_400)) {
    throw new ConfigError('CALL_LIMIT_WARNINGS_S', 'must be whole seconds from 1 to 86400, comma-separated (e.g. 300,60)');
  }
  return [...new Set(seconds)].sort((a, b) => b - a);
}

function redisSetting(env: Env): { urls: string[]; cluster: boolean; prefix: string } | undefined {
  const prefix = str(env, 'REDIS_PREFIX', 'calls:');
  // Braces in a key choose its Redis Cluster slot: a prefix must not choose it for every key.
  if (/[{}]/.test(prefix)) throw new ConfigError('REDIS_PREFIX', 'must not contain { or }');
  const clusterNodes = urlList(env, 'REDIS_CLUSTER_NODES', ['redis:', 'rediss:']);
  const single = url(env, 'REDIS_URL', ['redis:', 'rediss:']) ?? redisFromHostPort(env);
  if (clusterNodes.length === 0) return single ? { urls: [single], cluster: false, prefix } : undefined;
  if (single) throw new ConfigError('REDIS_CLUSTER_NODES', 'set either REDIS_CLUSTER_NODES or REDIS_URL (REDIS_HOST), not both');
  return { urls: clusterNodes, cluster: true, prefix };
}

function redisFromHostPort(env: Env): string | undefined {
  const host = str(env, 'REDIS_HOST');
  const port = int(env, 'REDIS_PORT', 6379, { min: 1, max: 65535 });
  if (!host) {
    if (str(env, 'REDIS_PORT')) throw new ConfigError('REDIS_HOST', 'must be set when REDIS_PORT is');
    return undefined;
  }
  return `redis://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function powerOfTwo(env: Env, name: string, fallback: number): number {
  const n = int(env, name, fallback, { min: 1024, max: 1 << 20 });
  if ((n & (n - 1)) !== 0) throw new ConfigError(name, `must be a power of two (got ${n})`);
  return n;
}

export type AppConfig = ReturnType<typeof loadConfig>;

export const APP_CONFIG = Symbol('APP_CONFIG');

function isPublicKey(pem: string): boolean {
  try {
    createPublicKey(pem);
    return true;
  } catch {
    return false;
  }
}
