import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { WriteBehind } from '../common/write-behind';
import { CallsRepository, Departure, NewParticipant } from './calls.repository';

/** Records kept while the database is away; past them the oldest are dropped. */
const MAX_WAITING = 100_000;

/**
 * The history of who was in each call's room, from when to when, written behind the rooms: while
 * a call is open its room (in the shared state) is what counts, and these rows are its record,
 * and what rebuilds rooms lost with the shared state. Joins and departures are written behind
 * (WriteBehind), all that waits in one statement. A record written after its call ended is closed
 * at the call's end.
 */
@Injectable()
export class ParticipantRecords implements BeforeApplicationShutdown {
  private joins: NewParticipant[] = [];
  private departures: Departure[] = [];
  private readonly writes = new WriteBehind(
    'call participants',
    {
      waiting: () => this.joins.length > 0 || this.departures.length > 0,
      take: () => {
        const [joins, departures] = [this.joins, this.departures];
        [this.joins, this.departures] = [[], []];
        return {
          write: () => this.repository.recordParticipants(joins, departures),
          putBack: () => {
            this.joins = [...joins, ...this.joins].slice(-MAX_WAITING);
            this.departures = [...departures, ...this.departures].slice(-MAX_WAITING);
          },
        };
      },
    },
    new Logger('Calls'),
  );

  constructor(private readonly repository: CallsRepository) {}

  joined(record: NewParticipant): void {
    this.joins.push(record);
    this.writes.soon();
  }

  left(departure: Departure): void {
    // Joined and gone within one wait: one row, closed as it is written.
    const joined = this.joins.find((j) => j.callId === departure.callId && j.connectionId === departure.connectionId);
    if (joined) joined.leftAt = departure.at;
    else this.departures.push(departure);
    this.writes.soon();
  }

  /** A change of media; applied to a record still waiting, else written at once. */
  async mediaChanged(callId: string, connectionId: string, media: { hasVideo?: boolean; hasAudio?: boolean }): Promise<void> {
    // A record being written now is in the database once this write is done.
    await this.writes.settled();
    const joined = this.joins.find((j) => j.callId === callId && j.connectionId === connectionId);
    if (joined) Object.assign(joined, media);
    else await this.repository.updateParticipantMedia(callId, connectionId, media);
  }

  /** Writes what waits now; reads of the history call it first, so they see this instance's records. */
  flush(): Promise<void> {
    return this.writes.flush();
  }

  beforeApplicationShutdown(): void {
    this.writes.close();
  }
}
