import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { ConnectionRegistry } from './connection-registry.service';
import { BucketsByKey, TokenBucket } from './message-rate-limit';

/** Makes buckets refilled with `rate` tokens a minute, holding at most `capacity`. */
const perMinute = (capacity: number, rate: number) => () => new TokenBucket(capacity, rate / 60);

/**
 * Who may open a realtime connection, checked before any work is spent on it: browsers only from
 * the CORS_ORIGIN allow-list (CORS does not cover WebSockets), a bounded number of not yet
 * authenticated Socket.IO sessions per client IP, MAX_CONNECTIONS_PER_USER per user, and
 * RATE_LIMIT_CONNECTS_PER_MIN new connections per user and minute on this instance, spread evenly
 * (a client that comes straight back whenever it is closed, say for oversize frames, makes little
 * work; one that reconnects all its connections at once, after an instance is lost, may).
 */
@Injectable()
export class ConnectionAdmission {
  /** Socket.IO sessions opened but not yet authenticated, by client IP. */
  private readonly pendingByIp = new Map<string, number>();
  private readonly pendingSessions = new WeakMap<object, string>();
  /** New connections per user: RATE_LIMIT_CONNECTS_PER_MIN a minute, in bursts of MAX_CONNECTIONS_PER_USER. */
  private readonly connectsByUser: BucketsByKey;
  /** Connections refused for their user's limits, per client address and user: RATE_LIMIT_REFUSED_CONNECTS_PER_MIN a minute. */
  private readonly refusals: BucketsByKey;
  /**
   * Connections of each user admitted here and not yet in the registry: counted with those that
   * are, so that handshakes at once cannot pass MAX_CONNECTIONS_PER_USER together.
   */
  private readonly admitting = new Map<string, number>();

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const { connectsPerMinute, connectionsPerUser, refusedConnectsPerMinute } = config.limits;
    this.connectsByUser = new BucketsByKey(perMinute(Math.min(connectsPerMinute, connectionsPerUser), connectsPerMinute));
    this.refusals = new BucketsByKey(perMinute(refusedConnectsPerMinute, refusedConnectsPerMinute));
  }

  /**
   * Browsers always send Origin on WebSocket and cross-origin requests; a request without one
   * comes from a non-browser client (or a same-origin page) and is left to token authentication.
   */
  checkOrigin(request: IncomingMessage): void {
    const origin = request.headers.origin;
    const allowed = this.config.corsOrigins;
    if (allowed.length > 0 && origin !== undefined && !allowed.includes(origin)) {
      throw new AppError('forbidden', `Origin ${origin} is not allowed`);
    }
  }

  /** The client's address: the peer, or X-Forwarded-For as far back as TRUST_PROXY hops reach. */
  clientIp(request: IncomingMessage): string {
    const peer = request.socket.remoteAddress ?? 'unknown';
    const hops = this.config.limits.trustProxyHops;
    if (hops === 0) return peer;
    const header = request.headers['x-forwarded-for'];
    const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    // [client, proxy1, …] + peer: the address `hops` back from the peer is the last one we trust.
    const chain = [...forwarded, peer];
    return chain[Math.max(chain.length - 1 - hops, 0)];
  }

  /**
   * Before a token is checked: a user whose connections from one address keep coming after they
   * were refused for the user's limits (a client retrying in a tight loop) waits there until the
   * allowance refills. `claimedUserId` is the user the token names, unchecked (a token naming
   * another user is refused when checked, or counts for its own user). Others behind the same
   * address (a school's network) are not affected.
   */
  checkRefusals(ip: string, claimedUserId: string | undefined): void {
    if (claimedUserId === undefined) return;
    const retryAfterMs = this.refusals.peek(refusalKey(ip, claimedUserId))?.msUntil() ?? 0;
    if (retryAfterMs === 0) return;
    this.metrics.rateLimited('refused-connects');
    throw new AppError('rate_limited', 'Too many refused connections: wait before connecting again', { retryAfterMs });
  }

  /** A new Socket.IO session from `ip` must wait for authentication; refused over the per-IP cap. */
  checkUnauthenticated(ip: string): void {
    if ((this.pendingByIp.get(ip) ?? 0) >= this.config.limits.unauthenticatedPerIp) {
      this.metrics.rateLimited('unauthenticated-sessions');
      throw new AppError('rate_limited', 'Too many unauthenticated connections from your address');
    }
  }

  /** An engine.io session opened: it counts against its IP until it authenticates or closes. */
  sessionOpened(session: object, ip: string): void {
    this.pendingSessions.set(session, ip);
    this.pendingByIp.set(ip, (this.pendingByIp.get(ip) ?? 0) + 1);
  }

  sessionSettled(session: object): void {
    const ip = this.pendingSessions.get(session);
    if (ip === undefined) return;
    this.pendingSessions.delete(session);
    const left = (this.pendingByIp.get(ip) ?? 1) - 1;
    if (left > 0) this.pendingByIp.set(ip, left);
    else this.pendingByIp.delete(ip);
  }

  /**
   * Within the user's limits, or refused with `rate_limited`, which counts against the user at this
   * address (checkRefusals). Admitted, the connection holds a place until the returned release is
   * called: as the registry's `add` is called for it (which counts it at once), or once it is gone.
   * Releasing twice does nothing.
   */
  async admitUserConnection(userId: string, ip: string): Promise<() => void> {
    const others = this.admitting.get(userId) ?? 0;
    // Held before the count is read, so a handshake that reads it meanwhile counts this one.
    this.admitting.set(userId, others + 1);
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      const left = (this.admitting.get(userId) ?? 1) - 1;
      if (left > 0) this.admitting.set(userId, left);
      else this.admitting.delete(userId);
    };
    try {
      this.checkConnectRate(userId);
      const max = this.config.limits.connectionsPerUser;
      if ((await this.registry.connectionCount(userId)) + others >= max) {
        this.metrics.rateLimited('connections-per-user');
        throw new AppError('rate_limited', `Too many connections: at most ${max} per user`);
      }
      return release;
    } catch (error) {
      release();
      // A refusal, not a failure to tell (Redis briefly away).
      if (error instanceof AppError && error.code === 'rate_limited') this.refusals.of(refusalKey(ip, userId)).take();
      throw error;
    }
  }

  /**
   * A connection of the user's broke the protocol (a frame over the size limit, bytes that are no
   * packet) and was dropped: the user may reconnect once at once, then only at the even rate. A
   * client that sends garbage and comes back for more does so a few times a minute, not in bursts.
   */
  brokeProtocol(userId: string): void {
    this.connectsByUser.of(userId).keepAtMost(1);
  }

  private checkConnectRate(userId: string): void {
    const allowance = this.connectsByUser.of(userId);
    if (allowance.take()) return;
    this.metrics.rateLimited('connects-per-user');
    const max = this.config.limits.connectsPerMinute;
    throw new AppError('rate_limited', `Too many new connections: at most ${max} a minute per user`, { retryAfterMs: allowance.msUntil() });
  }
}

const refusalKey = (ip: string, userId: string) => `${ip} ${userId}`;
