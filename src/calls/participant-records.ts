import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { inBackground } from '../common/background';
import { CallsRepository, Departure, NewParticipant } from './calls.repository';

/** How long a record may wait for others to share its statement. */
const LINGER_MS = 20;
/** How long to wait before writing again after the database refused a write. */
const RETRY_AFTER_MS = 1_000;
/** Records kept while the database is away; past them the oldest are dropped. */
const MAX_WAITING = 100_000;

/**
 * The history of who was in each call's room, from when to when, written behind the rooms: while
 * a call is open its room (in the shared state) is what counts, and these rows are its record,
 * and what rebuilds rooms lost with the shared state. Joins and departures wait up to LINGER_MS,
 * then all that waits goes in one statement, so a busy server writes them in a few statements a
 * second rather than one each. A record written after its call ended is closed at the call's end.
 * Writes are background work, which the database waits for at shutdown.
 */
@Injectable()
export class ParticipantRecords implements BeforeApplicationShutdown {
  /** Its errors are counted, not repeated, by the application's logger while the database is away. */
  private readonly logger = new Logger('Calls');
  private joins: NewParticipant[] = [];
  private departures: Departure[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  /** Closing: records are written at once, and a failed write is not tried again. */
  private closing = false;

  constructor(private readonly repository: CallsRepository) {}

  joined(record: NewParticipant): void {
    this.joins.push(record);
    this.writeSoon(LINGER_MS);
  }

  left(departure: Departure): void {
    // Joined and gone within one wait: one row, closed as it is written.
    const joined = this.joins.find((j) => j.callId === departure.callId && j.connectionId === departure.connectionId);
    if (joined) joined.leftAt = departure.at;
    else this.departures.push(departure);
    this.writeSoon(LINGER_MS);
  }

  /** A change of media; applied to a record still waiting, else written at once. */
  async mediaChanged(callId: string, connectionId: string, media: { hasVideo?: boolean; hasAudio?: boolean }): Promise<void> {
    // A record being written now is in the database once this write is done.
    while (this.writing) await this.writing;
    const joined = this.joins.find((j) => j.callId === callId && j.connectionId === connectionId);
    if (joined) Object.assign(joined, media);
    else await this.repository.updateParticipantMedia(callId, connectionId, media);
  }

  /** Writes what waits now; reads of the history call it first, so they see this instance's records. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.startWrite();
  }

  beforeApplicationShutdown(): void {
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
    if (this.joins.length === 0 && this.departures.length === 0) return undefined;
    this.writing = this.write();
    inBackground('writing call participants', this.writing);
    return this.writing;
  }

  /** Never fails: what could not be written waits for the next try. */
  private async write(): Promise<void> {
    const [joins, departures] = [this.joins, this.departures];
    [this.joins, this.departures] = [[], []];
    let failed = false;
    try {
      await this.repository.recordParticipants(joins, departures);
    } catch (error) {
      failed = true;
      if (!this.closing) {
        // Kept for the next write, in front of what came since.
        this.joins = [...joins, ...this.joins].slice(-MAX_WAITING);
        this.departures = [...departures, ...this.departures].slice(-MAX_WAITING);
      }
      this.logger.error({ msg: 'writing call participants failed', error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.writing = undefined;
    }
    if (this.joins.length > 0 || this.departures.length > 0) this.writeSoon(failed ? RETRY_AFTER_MS : LINGER_MS);
  }
}
