import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { CallView } from '../calls/call.presenter';
import { WriteBehind } from '../common/write-behind';
import { AppEventMap, OnAppEvent } from '../events/app-events';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import { CallOutcome, CallRecord, toMessageView } from './chat.presenter';
import { ChatRepository, NewCallRecord } from './chat.repository';

const OUTCOME_OF: Partial<Record<CallView['status'], CallOutcome>> = {
  MISSED: 'missed',
  DECLINED: 'declined',
  ENDED: 'ended',
  CANCELLED: 'cancelled',
};

/** Records kept while the database is away; past them the oldest are dropped. */
const MAX_WAITING = 10_000;

/** A record waiting to be written; its conversation is found as it is written, so that a failed lookup is tried again with the write. */
type WaitingRecord = Omit<NewCallRecord, 'conversationId'>;

/**
 * A closed call leaves a `kind: "call"` message in the parties' direct conversation, from the
 * caller, so the other side can answer a missed call with a message. Only a missed or cancelled
 * call is news (unread) to the recipient; an answered or declined one they saw. Records are
 * written behind (WriteBehind), all that waits in one statement, then each is sent to both
 * parties; chat reads flush them first, so they see this instance's records.
 */
@Injectable()
export class CallRecords implements BeforeApplicationShutdown {
  private waiting: WaitingRecord[] = [];
  private readonly writes = new WriteBehind(
    'call records in chat',
    {
      waiting: () => this.waiting.length > 0,
      take: () => {
        const records = this.waiting;
        this.waiting = [];
        return {
          write: () => this.write(records),
          putBack: () => (this.waiting = [...records, ...this.waiting].slice(-MAX_WAITING)),
        };
      },
    },
    new Logger('Chat'),
  );

  constructor(
    private readonly chat: ChatRepository,
    private readonly registry: ConnectionRegistry,
  ) {}

  @OnAppEvent('call.moved')
  callMoved({ call }: AppEventMap['call.moved']): void {
    this.record(call);
  }

  private record(call: CallView): void {
    const outcome = OUTCOME_OF[call.status];
    if (!outcome || !call.recipientUserId) return;
    const record: CallRecord = { callId: call.id, outcome, hasVideo: call.hasVideo, durationSeconds: call.durationSeconds };
    this.waiting.push({
      senderId: call.hostUserId,
      recipientId: call.recipientUserId,
      readByRecipient: outcome === 'ended' || outcome === 'declined',
      text: callText(record),
      call: record,
    });
    this.writes.soon();
  }

  flush(): Promise<void> {
    return this.writes.flush();
  }

  beforeApplicationShutdown(): void {
    this.writes.close();
  }

  private async write(waiting: WaitingRecord[]): Promise<void> {
    const records = await Promise.all(
      waiting.map(async (record) => ({
        ...record,
        conversationId: await this.chat.directConversationId(record.senderId, record.recipientId),
      })),
    );
    const recipientOf = new Map(records.map((r) => [r.call.callId, r.recipientId]));
    for (const row of await this.chat.insertCallRecords(records)) {
      const message = toMessageView(row);
      const recipientId = recipientOf.get(row.callId!)!;
      this.registry.sendToUsers([row.senderId, recipientId], { type: 'chat-message', message, receiverId: recipientId });
    }
  }
}

/** A fallback line for clients that show only text; richer clients render `call` themselves. */
function callText({ outcome, hasVideo, durationSeconds }: CallRecord): string {
  const kind = hasVideo ? 'Video call' : 'Voice call';
  switch (outcome) {
    case 'missed':
      return `Missed ${kind.toLowerCase()}`;
    case 'cancelled':
      return `Cancelled ${kind.toLowerCase()}`;
    case 'declined':
      return `${kind} declined`;
    case 'ended': {
      const seconds = durationSeconds ?? 0;
      return `${kind}, ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
    }
  }
}
