import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallView } from '../calls/call.presenter';
import type { Route } from '../cluster/cluster-bus';
import type { SignalKind } from '../relay/signal';
import { ERROR_CODES, ErrorCode } from '../common/errors';

/** Where an error was sent to a client. */
export type ErrorTransport = 'http' | 'socket.io' | 'raw-ws';

const TRANSPORTS: readonly ErrorTransport[] = ['http', 'socket.io', 'raw-ws'];
const MOVE_TARGETS = ['ACTIVE', 'CANCELLED', 'DECLINED', 'MISSED', 'ENDED'] as const;
const SIGNAL_KINDS: readonly SignalKind[] = ['offer', 'answer', 'ice', 'hangup', 'restart'];
/** The dialects a connection can speak, shown at 0 before anyone connects. */
const KNOWN_DIALECTS = ['socket.io', 'ws-call', 'ws-signaling'];
const ROUTES: readonly Route[] = ['instance', 'everyone'];
/** How an attempt to deliver a webhook event went: acknowledged, failed and to be tried again, or failed for the last time. */
export type WebhookAttemptOutcome = 'delivered' | 'retrying' | 'given_up';
const WEBHOOK_OUTCOMES: readonly WebhookAttemptOutcome[] = ['delivered', 'retrying', 'given_up'];

/**
 * This instance's Prometheus metrics, in a registry of its own (tests run several apps in one
 * process, so prom-client's global registry is not used). Counters count what this instance
 * did; Prometheus sums the instances.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly connections: Gauge<'dialect'>;
  private readonly moves: Counter<'status'>;
  private readonly setupSeconds: Histogram;
  private readonly relayed: Counter<'kind'>;
  private readonly relayedOf: Partial<Record<SignalKind, { inc(): void }>> = {};
  private readonly errors: Counter<'transport' | 'code'>;
  private readonly rateLimits: Counter<'surface'>;
  private readonly clusterDeliveries: Counter<'route'>;
  private readonly clusterDeliveriesBy: Partial<Record<Route, { inc(): void }>> = {};
  private readonly webhookAttempts: Counter<'outcome'>;

  constructor() {
    const registers = [this.registry];
    // Moved by the connection registry as it adds and removes this instance's connections.
    this.connections = new Gauge({
      name: 'signaling_connections',
      help: 'Live realtime connections on this instance, by dialect',
      labelNames: ['dialect'],
      registers,
    });
    this.moves = new Counter({
      name: 'signaling_call_moves_total',
      help: 'Call state moves made by this instance, by the status moved into',
      labelNames: ['status'],
      registers,
    });
    this.setupSeconds = new Histogram({
      name: 'signaling_call_setup_seconds',
      help: 'Time from a call being started to it becoming ACTIVE',
      buckets: [0.5, 1, 2, 3, 5, 10, 15, 20, 30, 45, 60, 120, 300],
      registers,
    });
    this.relayed = new Counter({
      name: 'signaling_relayed_messages_total',
      help: 'Signaling messages relayed between call parties, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.errors = new Counter({
      name: 'signaling_errors_total',
      help: 'Errors sent to clients, by transport and contract code',
      labelNames: ['transport', 'code'],
      registers,
    });
    this.rateLimits = new Counter({
      name: 'signaling_rate_limited_total',
      help: 'Requests, events and connections refused by a rate limit, by surface',
      labelNames: ['surface'],
      registers,
    });
    this.clusterDeliveries = new Counter({
      name: 'signaling_cluster_deliveries_received_total',
      help: "Deliveries this instance read from the other instances, by route: on its own stream ('instance') or on the one every instance reads ('everyone')",
      labelNames: ['route'],
      registers,
    });
    this.webhookAttempts = new Counter({
      name: 'signaling_webhook_attempts_total',
      help: "Attempts to deliver events to the platform's webhook, by outcome",
      labelNames: ['outcome'],
      registers,
    });
    // Series that exist from the start, so rate() and alerts see their first increase.
    for (const dialect of KNOWN_DIALECTS) this.connections.set({ dialect }, 0);
    for (const status of MOVE_TARGETS) this.moves.inc({ status }, 0);
    for (const kind of SIGNAL_KINDS) this.relayed.inc({ kind }, 0);
    for (const route of ROUTES) this.clusterDeliveries.inc({ route }, 0);
    for (const outcome of WEBHOOK_OUTCOMES) this.webhookAttempts.inc({ outcome }, 0);
    for (const transport of TRANSPORTS) for (const code of ERROR_CODES) this.errors.inc({ transport, code }, 0);
    collectDefaultMetrics({ register: this.registry });
  }

  /** A connection of this instance was added to the registry, or removed from it. */
  connectionOpened(dialect: string): void {
    this.connections.inc({ dialect });
  }

  connectionClosed(dialect: string): void {
    this.connections.dec({ dialect });
  }

  /** After a state move of a call (CallLog calls this on `call.moved`). */
  callMoved(call: CallView): void {
    this.moves.inc({ status: call.status });
    if (call.status === 'ACTIVE' && call.startedAt) {
      this.setupSeconds.observe(Math.max(0, Date.parse(call.startedAt) - Date.parse(call.createdAt)) / 1000);
    }
  }

  /** An offer, answer or ICE candidate was handed on to the other party. */
  signalRelayed(kind: SignalKind): void {
    // A child per kind, made once: the relay counts every message, and label lookups are not free.
    (this.relayedOf[kind] ??= this.relayed.labels({ kind })).inc();
  }

  /** A delivery from another instance reached this one (see ClusterBus). */
  clusterDeliveryReceived(route: Route): void {
    (this.clusterDeliveriesBy[route] ??= this.clusterDeliveries.labels({ route })).inc();
  }

  /** This instance tried to deliver an event to the platform's webhook. */
  webhookAttempted(outcome: WebhookAttemptOutcome): void {
    this.webhookAttempts.inc({ outcome });
  }

  /** An error reply went to a client (HTTP response, Socket.IO ack or event, raw-WebSocket message or refusal). */
  errorSent(transport: ErrorTransport, code: ErrorCode): void {
    this.errors.inc({ transport, code });
  }

  /** A rate limit refused something; `surface` names the limit (e.g. "http", "auth", "socket-events"). */
  rateLimited(surface: string): void {
    this.rateLimits.inc({ surface });
  }

  /** The Prometheus text exposition of every metric. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
