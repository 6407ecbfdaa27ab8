import type { Logger } from '@nestjs/common';
import { inBackground } from './background';

/** How long an item may wait for others to share its statement. */
const LINGER_MS = 20;
/** How long to wait before writing again after the database refused a write. */
const RETRY_AFTER_MS = 1_000;

/** What waits to be written, as its owner keeps it. */
export interface WriteBehindQueue {
  /** Whether anything waits. */
  waiting(): boolean;
  /** Takes everything that waits: its write, and how to put it back in front when the write fails. */
  take(): { write(): Promise<void>; putBack(): void };
}

/**
 * Writes that may wait a moment: an item waits up to LINGER_MS for others, then everything that
 * waits goes in one write, one write at a time, so a busy server writes a few statements a
 * second rather than one per item. A failed write keeps its items for another try a second later.
 * Writes are background work, which the database waits for at shutdown.
 */
export class WriteBehind {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  /** Closing: items are written at once, and a failed write is not tried again. */
  private closing = false;

  /** `logger`: its errors are counted, not repeated, by the application's logger while the database is away. */
  constructor(
    private readonly what: string,
    private readonly queue: WriteBehindQueue,
    private readonly logger: Logger,
  ) {}

  /** Something was queued: written within LINGER_MS, with whatever else comes meanwhile. */
  soon(): void {
    this.writeSoon(LINGER_MS);
  }

  /** Resolves once no write is under way (one started meanwhile included). */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /**
   * Writes what waits now; a read that must see this instance's items calls it first. Resolves once
   * they are written, though another flush took them into its write.
   */
  async flush(): Promise<void> {
    await this.settled();
    clearTimeout(this.timer);
    this.timer = undefined;
    void this.startWrite(); // never fails (see write)
    await this.settled();
  }

  /** At shutdown: what waits is written at once, and so is what comes after. */
  close(): void {
    this.closing = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.writing) void this.startWrite();
  }

  private writeSoon(delayMs: number): void {
    if (this.writing) return; // the write under way writes what came meanwhile when it is done
    if (this.closing) return void this.startWrite();
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.startWrite();
    }, delayMs);
  }

  /** The write started, if anything waits. */
  private startWrite(): Promise<void> | undefined {
    if (!this.queue.waiting()) return undefined;
    this.writing = this.write();
    inBackground(`writing ${this.what}`, this.writing);
    return this.writing;
  }

  /** Never fails: what could not be written waits for the next try. */
  private async write(): Promise<void> {
    const batch = this.queue.take();
    let failed = false;
    try {
      await batch.write();
    } catch (error) {
      failed = true;
      if (!this.closing) batch.putBack();
      this.logger.error({ msg: `writing ${this.what} failed`, error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.writing = undefined;
    }
    if (this.queue.waiting()) this.writeSoon(failed ? RETRY_AFTER_MS : LINGER_MS);
  }
}
