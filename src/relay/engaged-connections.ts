import { Inject, Injectable } from '@nestjs/common';
import { isOpen } from '../calls/call-state';
import { SHARED_STATE, SharedState } from '../cluster/shared-state';
import type { AtOnce } from '../common/at-once';
import { inBackground } from '../common/background';
import { AppEventMap, OnAppEvent } from '../events/app-events';

const keyOf = (callId: string) => `engaged:${callId}`;

/**
 * The connection each party is in a call from (where it started, accepted or joined it): a signal
 * addressed to a user goes there rather than to every device of theirs. Shared, so any instance
 * can route to any connection.
 */
@Injectable()
export class EngagedConnections {
  constructor(@Inject(SHARED_STATE) private readonly state: SharedState) {}

  /**
   * Waited for by the call core, so that the other party's next signal already finds it. Should
   * the write fail, that party's signals go to all the user's connections meanwhile.
   */
  @OnAppEvent('call.engaged')
  async engage({ callId, userId, connectionId }: AppEventMap['call.engaged']): Promise<void> {
    await this.state.hSet(keyOf(callId), userId, connectionId);
  }

  @OnAppEvent('call.moved')
  forgetClosed({ call }: AppEventMap['call.moved']): void {
    if (!isOpen(call.status)) inBackground("forgetting a call's connections", this.state.del(keyOf(call.id)));
  }

  of(callId: string, userId: string): Promise<string | undefined> {
    return this.state.hGet(keyOf(callId), userId);
  }

  /** As `of`, from an in-process state only. */
  ofAtOnce(callId: string, userId: string): AtOnce<string> {
    const local = this.state.local;
    return local && (local.hGet(keyOf(callId), userId) ?? null);
  }
}
