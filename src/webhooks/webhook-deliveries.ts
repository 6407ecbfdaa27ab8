import { Injectable } from '@nestjs/common';
import type { WebhookAttemptView, WebhookDeliveryView, WebhookEvent } from '@call-signaling/client';
import { AppError } from '../common/errors';
import { cursorAfter, olderThan, pageOf } from '../common/cursor';
import { PrismaService } from '../database/prisma.service';
import { Prisma, type WebhookDelivery, type WebhookDeliveryStatus } from '../generated/prisma/client';

/** An event claimed for one attempt. */
export interface ClaimedDelivery {
  id: string;
  type: string;
  data: unknown;
  createdAt: Date;
  /** This attempt's number since the event was written or replayed (1 for the first). */
  attempts: number;
}

/** How an attempt went, and, when it failed, when to try again (null: give up). */
export interface AttemptOutcome {
  attempt: WebhookAttemptView;
  delivered: boolean;
  retryAt: Date | null;
}

export interface DeliveryPage {
  items: WebhookDeliveryView[];
  nextCursor: string | null;
}

/** An attempt's outcome as written: which event, and the lease it was made under. */
type RecordedOutcome = AttemptOutcome & { id: string; leaseUntil: Date };

const statusOf = (outcome: AttemptOutcome): WebhookDeliveryStatus =>
  outcome.delivered ? 'delivered' : outcome.retryAt ? 'pending' : 'failed';

/** The event as the platform receives it: the same bytes on every attempt. */
export function eventOf(row: Pick<ClaimedDelivery, 'id' | 'type' | 'data' | 'createdAt'>): WebhookEvent {
  return { id: row.id, type: row.type, timestamp: row.createdAt.toISOString(), data: row.data } as WebhookEvent;
}

function toView(row: WebhookDelivery): WebhookDeliveryView {
  return {
    id: row.id,
    type: row.type as WebhookDeliveryView['type'],
    orderingKey: row.orderingKey,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    attemptLog: row.attemptLog as unknown as WebhookAttemptView[],
    event: eventOf(row),
  };
}

/** The outbox's rows: which are due, what each attempt did, what administrators see. */
@Injectable()
export class WebhookDeliveries {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Leases up to `limit` events that are due, each the oldest pending event of its ordering key:
   * a key's next event waits until the one before it is delivered or given up. Of instances
   * claiming at once, one gets each event (the lease is re-checked under the row lock).
   */
  claim(limit: number, now: Date, leaseUntil: Date): Promise<ClaimedDelivery[]> {
    // Straight on the driver: with a webhook, this runs for every few events the call core writes.
    return this.prisma.rows<ClaimedDelivery>(Prisma.sql`
      WITH heads AS (
        SELECT DISTINCT ON (ordering_key) id, next_attempt_at, leased_until FROM webhook_deliveries
        WHERE status = 'pending' ORDER BY ordering_key, seq
      ), due AS (
        SELECT id FROM heads WHERE next_attempt_at <= ${now}::timestamp(3) AND (leased_until IS NULL OR leased_until <= ${now}::timestamp(3))
        ORDER BY next_attempt_at LIMIT ${limit}
      )
      UPDATE webhook_deliveries d SET leased_until = ${leaseUntil}::timestamp(3), attempts = d.attempts + 1
      FROM due WHERE d.id = due.id AND d.status = 'pending' AND (d.leased_until IS NULL OR d.leased_until <= ${now}::timestamp(3))
      RETURNING d.id, d.type, d.data, d.created_at AS "createdAt", d.attempts`);
  }

  /**
   * Writes the outcomes of attempts, and ends their leases, in one statement. `leaseUntil`: the
   * lease the attempt was made under; an outcome written after it ran out (and the event was
   * leased again) changes nothing.
   */
  async record(outcomes: RecordedOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const column = <T>(pick: (outcome: RecordedOutcome) => T) => outcomes.map(pick);
    await this.prisma.rows(Prisma.sql`
      UPDATE webhook_deliveries d SET
        status = o.status::"WebhookDeliveryStatus",
        leased_until = NULL,
        next_attempt_at = COALESCE(o.retry_at::timestamp(3), d.next_attempt_at),
        delivered_at = CASE WHEN o.delivered THEN o.at::timestamp(3) ELSE d.delivered_at END,
        attempt_log = d.attempt_log || jsonb_build_array(o.attempt::jsonb)
      FROM unnest(${column((o) => o.id)}::text[], ${column(statusOf)}::text[], ${column((o) => o.retryAt?.toISOString() ?? null)}::text[],
                  ${column((o) => o.delivered)}::boolean[], ${column((o) => o.attempt.at)}::text[], ${column((o) => JSON.stringify(o.attempt))}::text[],
                  ${column((o) => o.leaseUntil.toISOString())}::text[])
        AS o(id, status, retry_at, delivered, at, attempt, lease_until)
      WHERE d.id = o.id AND d.status = 'pending' AND d.leased_until = o.lease_until::timestamp(3)`);
  }

  /** Gives back leases of attempts that will not finish (this instance is stopping); the attempts do not count. */
  async release(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.prisma.webhookDelivery.updateMany({
      where: { id: { in: ids }, status: 'pending' },
      data: { leasedUntil: null, attempts: { decrement: 1 } },
    });
  }

  /** Newest first. */
  async list(options: { limit: number; cursor?: string; status?: WebhookDeliveryStatus; orderingKey?: string }): Promise<DeliveryPage> {
    const after = cursorAfter(options.cursor);
    const rows = await this.prisma.webhookDelivery.findMany({
      where: {
        AND: [
          options.status ? { status: options.status } : {},
          options.orderingKey ? { orderingKey: options.orderingKey } : {},
          olderThan(after, 'createdAt'),
        ],
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.limit + 1,
    });
    const page = pageOf(rows, options.limit, (row) => row.createdAt);
    return { items: page.items.map(toView), nextCursor: page.nextCursor };
  }

  async get(id: string): Promise<WebhookDeliveryView> {
    const row = await this.prisma.webhookDelivery.findUnique({ where: { id } });
    if (!row) throw new AppError('not_found', 'No webhook event has this id');
    return toView(row);
  }

  /**
   * Sends a delivered or given-up event again, with the same id (the platform de-duplicates on
   * it), and a fresh round of attempts. It keeps its place in its key's order.
   */
  async replay(id: string, now: Date): Promise<WebhookDeliveryView> {
    const { count } = await this.prisma.webhookDelivery.updateMany({
      where: { id, status: { not: 'pending' } },
      data: { status: 'pending', attempts: 0, nextAttemptAt: now, deliveredAt: null },
    });
    const view = await this.get(id);
    if (count === 0) throw new AppError('invalid_state', 'This event is still being delivered');
    return view;
  }

  /** Forgets events delivered or given up before `before`. */
  async prune(before: Date): Promise<number> {
    const { count } = await this.prisma.webhookDelivery.deleteMany({
      where: { status: { not: 'pending' }, createdAt: { lt: before } },
    });
    return count;
  }
}
