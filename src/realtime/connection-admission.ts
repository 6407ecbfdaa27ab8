import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { ConnectionRegistry } from './connection-registry.service';

/**
 * Who may open a realtime connection, checked before any work is spent on it: browsers only from
 * the CORS_ORIGIN allow-list (CORS does not cover WebSockets), a bounded number of not yet
 * authenticated Socket.IO sessions per client IP, and MAX_CONNECTIONS_PER_USER per user.
 */
@Injectable()
export class ConnectionAdmission {
  /** Socket.IO sessions opened but not yet authenticated, by client IP. */
  private readonly pendingByIp = new Map<string, number>();
  private readonly pendingSessions = new WeakMap<object, string>();

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
    const max = this.config.limits.connectionsPerUser;
    if ((await this.registry.connectionCount(userId)) >= max) {
      this.metrics.rateLimited('connections-per-user');
      throw new AppError('rate_limited', `Too many connections: at most ${max} per user`);
    }
  }
}
