import { Inject, Injectable } from '@nestjs/common';
import { inBackground } from '../common/background';
import { AppEventMap, OnAppEvent } from '../events/app-events';
import { SHARED_TIMERS, SharedTimers } from '../cluster/shared-timers';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ConnectionRegistry } from '../realtime/connection-registry.service';
import { ChatRepository } from './chat.repository';

const TYPING = 'typing';

/**
 * Typing indicators: not stored, only relayed. A typist is a shared timer: the other members
 * hear `typing` once when it is armed and `stopped` once when it ends, on request, on sending, or
 * TYPING_TIMEOUT_MS after the last renewal (a lost stop, or a typist who went away).
 */
@Injectable()
export class TypingService {
  /** Where each user started typing through this instance: what their last connection's going ends. */
  private readonly typingIn = new Map<string, Set<string>>();

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly chat: ChatRepository,
    @Inject(SHARED_TIMERS) private readonly timers: SharedTimers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    timers.handle(TYPING, (key) => this.announce(key, false));
  }

  /** The typist's last connection went: whatever they were typing ends now, not at the timeout. */
  @OnAppEvent('user.disconnected')
  disconnected({ userId }: AppEventMap['user.disconnected']): void {
    const conversations = [...(this.typingIn.get(userId) ?? [])];
    this.typingIn.delete(userId);
    for (const conversationId of conversations) inBackground('typing ended by leaving', this.stop(conversationId, userId));
  }

  async start(conversationId: string, userId: string): Promise<void> {
    const key = `${conversationId}|${userId}`;
    const mine = this.typingIn.get(userId) ?? new Set<string>();
    this.typingIn.set(userId, mine.add(conversationId));
    if (await this.timers.schedule(TYPING, key, this.config.chat.typingTimeoutMs)) await this.announce(key, true);
  }

  async stop(conversationId: string, userId: string): Promise<void> {
    const key = `${conversationId}|${userId}`;
    this.forget(conversationId, userId);
    if (await this.timers.cancel(TYPING, key)) await this.announce(key, false);
  }

  private async announce(key: string, typing: boolean): Promise<void> {
    // A user id may hold a "|" itself (an identity provider's `auth0|…`); a conversation id does not.
    const split = key.indexOf('|');
    const conversationId = key.slice(0, split);
    const userId = key.slice(split + 1);
    if (!typing) this.forget(conversationId, userId);
    const others = (await this.chat.memberIds(conversationId)).filter((id) => id !== userId);
    this.registry.sendToUsers(others, { type: 'chat-typing', conversationId, userId, typing });
  }

  private forget(conversationId: string, userId: string): void {
    const mine = this.typingIn.get(userId);
    mine?.delete(conversationId);
    if (mine?.size === 0) this.typingIn.delete(userId);
  }
}
