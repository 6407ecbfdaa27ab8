import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { ConnectionRegistry } from './connection-registry.service';

const MINUTE_MS = 60_000;
/** Past this many users counted, the windows that have ended are dropped. */
const TIDY_ABOVE = 10_000;

/**
 * Who may open a realtime connection, checked before any work is spent on it: browsers only from
 * the CORS_ORIGIN allow-list (CORS does not cover WebSockets), a bounded number of not yet
 * authenticated Socket.IO sessions per client IP, MAX_CONNECTIONS_PER_USER per user, and
 * RATE_LIMIT_CONNECTS_PER_MIN new connections per user and minute on this instance (a client that
 * comes straight back whenever it is closed, say for oversize frames, makes little work).
 */
@Injectable()
export class ConnectionAdmission {
  /** Socket.IO sessions opened but not yet authenticated, by client IP. */
  private readonly pendingByIp = new Map<string, number>();
  private readonly pendingSessions = new WeakMap<object, string>();
  /** New connections per user in the current minute-long window, which starts at its first. */
  private readonly connectsByUser = new Map<string, { since: number; count: number }>();

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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

  async checkUserConnections(userId: string): Promise<void> {
    this.checkConnectRate(userId);
    const max = this.config.limits.connectionsPerUser;
    if ((await this.registry.connectionCount(userId)) >= max) {
      this.metrics.rateLimited('connections-per-user');
      throw new AppError('rate_limited', `Too many connections: at most ${max} per user`);
    }
  }

  private checkConnectRate(userId: string): void {
    const now = Date.now();
    let window = this.connectsByUser.get(userId);
    if (!window || now - window.since >= MINUTE_MS) {
      if (!window && this.connectsByUser.size >= TIDY_ABOVE) this.dropEndedWindows(now);
      window = { since: now, count: 0 };
      this.connectsByUser.set(userId, window);
    }
    const max = this.config.limits.connectsPerMinute;
    if (window.count >= max) {
      this.metrics.rateLimited('connects-per-user');
      const retryAfterMs = window.since + MINUTE_MS - now;
      throw new AppError('rate_limited', `Too many new connections: at most ${max} a minute per user`, { retryAfterMs });
    }
    window.count += 1;
  }

  private dropEndedWindows(now: number): void {
    for (const [userId, window] of this.connectsByUser) if (now - window.since >= MINUTE_MS) this.connectsByUser.delete(userId);
  }
}
