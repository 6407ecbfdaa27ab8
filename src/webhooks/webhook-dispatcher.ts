import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { WebhookAttemptView } from '@call-signaling/client';
import { inBackground } from '../common/background';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { REPEAT_WINDOW_MS, RepeatedErrors } from '../observability/repeated-errors';
import { WriteBehind } from '../common/write-behind';
import { AttemptOutcome, ClaimedDelivery, WebhookDeliveries } from './webhook-deliveries';
import { WebhookOutbox } from './webhook-outbox';
import { STOPPED, WebhookTarget } from './webhook-target';

/**
 * Attempts under way at most: a round leases as many events as there is room for (they are of
 * distinct keys), and each that finishes makes room; outcomes that finish together are recorded
 * in one statement. A slow answer holds up its own key only.
 */
const MAX_SENDING = 100;
/** How often an instance looks for events written by others, or due again. */
const POLL_MS = 1_000;
/**
 * How soon after writing events an instance sends them: the writes of this window share one
 * claim, which reads every pending event's key (many, while the platform is down).
 */
const SEND_AFTER_WRITE_MS = 50;
/** A lease outlives its attempt by this much, so only a crashed instance's lease runs out. */
const LEASE_MARGIN_MS = 5_000;
/** Delivered and given-up events are listed for this long, then forgotten. */
const RETENTION_MS = 7 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;

/** An attempt's outcome, with the event it was of. */
type Outcome = AttemptOutcome & { id: string; delivery: ClaimedDelivery; leaseUntil: Date };

/**
 * Sends the outbox's events to the platform's webhook (WebhookTarget). Every instance runs one;
 * the leases in the outbox share the work, and a crashed instance's lease runs out. A failed
 * event is tried again after a wait that doubles, up to PLATFORM_WEBHOOK_MAX_ATTEMPTS; meanwhile
 * later events of the same call (or help request) wait behind it.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private readonly failures = new RepeatedErrors(REPEAT_WINDOW_MS, (kind, repeats) =>
    this.logger.warn(`${kind}: ${repeats} more times in ${REPEAT_WINDOW_MS / 1000} s`),
  );
  /** Unset: no webhook is configured and nothing is sent. */
  private readonly target?: WebhookTarget;
  /** Attempts under way, so that stopping can abort them and give their events back. */
  private readonly sending = new Map<string, AbortController>();
  /** Deliveries under way (attempt, then its outcome queued or its lease given back). */
  private readonly delivering = new Set<Promise<void>>();
  /** A round found no room: the next attempt to finish wakes another. */
  private full = false;
  /** Outcomes waiting to be recorded, together (see recorder). */
  private outcomes: Outcome[] = [];
  private readonly recorder = new WriteBehind(
    'webhook outcomes',
    {
      waiting: () => this.outcomes.length > 0,
      take: () => {
        const batch = this.outcomes;
        this.outcomes = [];
        return {
          write: async () => {
            await this.deliveries.record(batch);
            for (const outcome of batch) this.reportOn(outcome);
            // An event delivered or given up makes its key's next one due (one to try again wakes at its time: reportOn).
            if (batch.some((outcome) => !outcome.retryAt)) this.wake(0);
          },
          putBack: () => (this.outcomes = [...batch, ...this.outcomes]),
        };
      },
    },
    this.logger,
  );
  private round?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  private wakeAt = Infinity;
  private lastPrune = 0;
  private stopped = false;

  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly deliveries: WebhookDeliveries,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    if (config.webhooks) this.target = new WebhookTarget(config.webhooks);
  }

  onApplicationBootstrap(): void {
    if (!this.target) return;
    this.outbox.onWritten(() => this.wake(SEND_AFTER_WRITE_MS));
    this.wake(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const controller of this.sending.values()) controller.abort();
    await this.round;
    await Promise.allSettled(this.delivering);
    this.recorder.close();
    await this.recorder.settled();
    this.target?.close();
  }

  /** Runs a round within `ms`, or sooner if one is already due sooner. */
  private wake(ms: number): void {
    const at = Date.now() + ms;
    if (this.stopped || at >= this.wakeAt) return;
    clearTimeout(this.timer);
    this.wakeAt = at;
    this.timer = setTimeout(() => {
      this.wakeAt = Infinity;
      this.startRound();
    }, ms);
    this.timer.unref();
  }

  private startRound(): void {
    if (this.round) {
      this.again = true;
      return;
    }
    const target = this.target;
    if (!target) return;
    this.round = this.rounds(target)
      .catch((error: Error) => {
        // The database is away: said once per window, and tried again at the next poll.
        if (this.failures.admit(error.message)) this.logger.warn(`delivering events failed: ${error.message}`);
      })
      .finally(() => {
        this.round = undefined;
        this.wake(POLL_MS);
      });
    inBackground('delivering webhook events', this.round);
  }

  /** Claims and starts sending while there is room and something is due; each attempt goes on by itself. */
  private async rounds(target: WebhookTarget): Promise<void> {
    do {
      this.again = false;
      // Checked on every pass: under steady traffic this loop may not end for hours.
      await this.pruneNowAndThen();
      const room = MAX_SENDING - this.delivering.size;
      // Full: an attempt that finishes wakes the next round.
      if (room <= 0) {
        this.full = true;
        break;
      }
      const now = new Date();
      const leaseUntil = new Date(now.getTime() + target.timeoutMs + LEASE_MARGIN_MS);
      const claimed = await this.deliveries.claim(room, now, leaseUntil);
      for (const delivery of claimed) this.deliver(target, delivery, leaseUntil);
      if (claimed.length === room) this.again = true;
    } while (this.again && !this.stopped);
  }

  private deliver(target: WebhookTarget, delivery: ClaimedDelivery, leaseUntil: Date): void {
    const delivering = this.attempt(target, delivery).then(async (attempt) => {
      if (attempt.error === STOPPED) return this.deliveries.release([delivery.id]);
      this.outcomes.push(this.outcomeOf(target, delivery, attempt, leaseUntil));
      // Written at once, with the outcomes that finish while a write is under way.
      await this.recorder.flush();
    });
    this.delivering.add(delivering);
    inBackground(
      'delivering a webhook event',
      delivering.finally(() => {
        this.delivering.delete(delivering);
        // A round for a tenth of the pool at least: each reads every pending event's key.
        if (!this.full || this.delivering.size > MAX_SENDING * 0.9) return;
        this.full = false;
        this.wake(0);
      }),
    );
  }

  private async attempt(target: WebhookTarget, delivery: ClaimedDelivery): Promise<WebhookAttemptView> {
    // Stopping: an attempt not started yet is given back rather than started.
    if (this.stopped) return { at: new Date().toISOString(), durationMs: 0, error: STOPPED };
    const controller = new AbortController();
    this.sending.set(delivery.id, controller);
    return target.post(delivery, controller.signal).finally(() => this.sending.delete(delivery.id));
  }

  private outcomeOf(target: WebhookTarget, delivery: ClaimedDelivery, attempt: WebhookAttemptView, leaseUntil: Date): Outcome {
    const delivered = attempt.error === undefined;
    return { id: delivery.id, delivery, leaseUntil, attempt, delivered, retryAt: delivered ? null : target.retryAt(delivery.attempts) };
  }

  private reportOn({ delivery, attempt, delivered, retryAt }: Outcome): void {
    this.metrics.webhookAttempted(delivered ? 'delivered' : retryAt ? 'retrying' : 'given_up');
    if (retryAt) this.wake(retryAt.getTime() - Date.now());
    if (!delivered && this.failures.admit(attempt.error!)) {
      const next = retryAt ? `trying again at ${retryAt.toISOString()}` : 'gave up; an administrator can replay it';
      this.logger.warn(`${delivery.type} ${delivery.id}: attempt ${delivery.attempts} failed (${attempt.error}); ${next}`);
    }
  }

  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    await this.deliveries.prune(new Date(Date.now() - RETENTION_MS));
  }
}
