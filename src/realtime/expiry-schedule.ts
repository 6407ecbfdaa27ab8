/**
 * When connections' tokens expire, kept by the second: one timer for the server instead of one per
 * connection (each a timer list of its own, as no two tokens expire at the same millisecond: about
 * 0.3 KB of an idle connection). A connection hears of its expiry within a second after it.
 */
export class ExpirySchedule<C> {
  private readonly bySecond = new Map<number, Set<C>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly expire: (connection: C) => void) {}

  /** Schedules the connection's expiry at `expiresAt` (ms since the epoch; null: never); the slot cancel takes. */
  add(connection: C, expiresAt: number | null): number | undefined {
    if (expiresAt === null) return undefined;
    const second = Math.ceil(expiresAt / 1000);
    let due = this.bySecond.get(second);
    if (!due) this.bySecond.set(second, (due = new Set()));
    due.add(connection);
    this.timer ??= setInterval(() => this.expireDue(), 1000).unref();
    return second;
  }

  cancel(connection: C, slot: number | undefined): void {
    if (slot === undefined) return;
    const due = this.bySecond.get(slot);
    if (due?.delete(connection) && due.size === 0) this.bySecond.delete(slot);
  }

  private expireDue(): void {
    const now = Date.now();
    for (const [second, due] of this.bySecond) {
      if (second * 1000 > now) continue;
      this.bySecond.delete(second);
      for (const connection of due) this.expire(connection);
    }
    if (this.bySecond.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
