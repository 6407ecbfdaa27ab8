import { Inject, Injectable } from '@nestjs/common';
import type { WebhookEvent } from '@call-signaling/client';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { PrismaService } from '../database/prisma.service';
import { Prisma, type CallStatus } from '../generated/prisma/client';

/** An event to record: what the platform will receive, less its id and time. */
export type NewWebhookEvent = Pick<WebhookEvent, 'type' | 'data'> & { orderingKey: string };

/** What a call move's event says beyond the moved call itself. */
export interface CallMoveFacts {
  previous: CallStatus | null;
  actorUserId: string | null;
  reason: string | null;
}

export type Writer = Prisma.TransactionClient;
/** The embedded database runs one transaction at a time: under a burst of writes the last in line may wait a while. */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 };

const iso = (column: string) => Prisma.raw(`to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
const msBetween = (from: string, to: string) => Prisma.raw(`(extract(epoch FROM ${to} - ${from}) * 1000)::bigint`);

/**
 * The outbox of the platform's webhook: each event is written in the same transaction as the move
 * it reports, so none is lost to a crash and none reports a move that did not happen. With no
 * webhook configured, nothing is written. The dispatcher is told when there is something new.
 */
@Injectable()
export class WebhookOutbox {
  readonly enabled: boolean;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.enabled = config.webhooks !== undefined;
  }

  /**
   * A `hook` CTE for a call statement whose CTE `c` returns the call right after a move: records
   * the move's event (`call.<status>`) in that statement. Empty with no webhook.
   */
  callMoveCte(facts: CallMoveFacts, at: Date): Prisma.Sql {
    if (!this.enabled) return Prisma.empty;
    return Prisma.sql`, hook AS (
      INSERT INTO webhook_deliveries (id, type, ordering_key, data, next_attempt_at, created_at)
      SELECT ${randomUUID()}, 'call.' || lower(c.status::text), c.id, jsonb_build_object(
        'call', jsonb_build_object(
          'id', c.id, 'hostUserId', c.host_user_id, 'recipientUserId', c.recipient_user_id, 'status', c.status::text,
          'hasVideo', c.has_video, 'title', c.title, 'roomName', c.room_name, 'endReason', c.end_reason::text, 'maxDurationS', c.max_duration_s,
          'createdAt', ${iso('c.created_at')}, 'startedAt', ${iso('c.started_at')}, 'endedAt', ${iso('c.ended_at')}),
        'previousStatus', ${facts.previous}::text, 'actorUserId', ${facts.actorUserId}::text, 'reason', ${facts.reason}::text,
        'ringingMs', CASE WHEN c.status <> 'CALLING' THEN ${msBetween('c.created_at', 'COALESCE(c.started_at, c.ended_at)')} END,
        'talkMs', ${msBetween('c.started_at', 'c.ended_at')}),
        ${at}::timestamp(3), ${at}::timestamp(3)
      FROM c)`;
  }

  /**
   * Runs `write` and records the events it reports in one transaction (no transaction, and no
   * events, with no webhook, unless `write` needs one of its own: `{ transaction: true }`).
   */
  async withEvents<T>(
    write: (db: Writer) => Promise<T>,
    eventsOf: (result: T) => NewWebhookEvent[],
    { transaction = false } = {},
  ): Promise<T> {
    if (!this.enabled && !transaction) return write(this.prisma);
    if (!this.enabled) return this.prisma.$transaction(write, TRANSACTION_OPTIONS);
    const result = await this.prisma.$transaction(async (tx) => {
      const written = await write(tx);
      await this.insert(tx, eventsOf(written));
      return written;
    }, TRANSACTION_OPTIONS);
    this.written();
    return result;
  }

  /** Records events that report no write of their own (a warning, a request waiting in Redis). */
  async add(events: NewWebhookEvent[]): Promise<void> {
    if (!this.enabled) return;
    await this.insert(this.prisma, events);
    this.written();
  }

  private async insert(db: Writer, events: NewWebhookEvent[]): Promise<void> {
    if (events.length === 0) return;
    const at = new Date();
    await db.webhookDelivery.createMany({
      data: events.map((event) => ({
        id: randomUUID(),
        type: event.type,
        orderingKey: event.orderingKey,
        data: event.data as unknown as Prisma.InputJsonValue,
        nextAttemptAt: at,
        createdAt: at,
      })),
    });
  }

  /** Tells the dispatcher that events were committed (a call statement with a `hook` moved a call). */
  written(): void {
    if (this.enabled) for (const listener of this.listeners) listener();
  }

  onWritten(listener: () => void): void {
    this.listeners.add(listener);
  }
}
