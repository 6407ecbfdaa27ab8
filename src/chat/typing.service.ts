import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ConnectionRegistry } from '../realtime/connection-registry.service';

interface Typing {
  /** Who hears about it: the conversation's other members when typing began. */
  audience: string[];
  timer: NodeJS.Timeout;
}

/**
 * Typing indicators: not stored, only relayed. Others hear `typing` once when it starts and
 * `stopped` once when it ends: on request, on sending, when the typist's last connection goes,
 * or after TYPING_TIMEOUT_MS without a renewal (a lost stop does not leave a typist forever).
 */
@Injectable()
export class TypingService implements OnModuleDestroy {
  /** userId → conversationId → what is going on there. */
  private readonly typing = new Map<string, Map<string, Typing>>();

  constructor(
    private readonly registry: ConnectionRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    registry.onLastConnectionGone(({ userId }) => {
      for (const conversationId of [...(this.typing.get(userId)?.keys() ?? [])]) this.stop(conversationId, userId);
    });
  }

  onModuleDestroy(): void {
    for (const conversations of this.typing.values()) for (const { timer } of conversations.values()) clearTimeout(timer);
    this.typing.clear();
  }

  start(conversationId: string, userId: string, audience: string[]): void {
    const mine = this.typing.get(userId) ?? new Map<string, Typing>();
    const current = mine.get(conversationId);
    if (current) clearTimeout(current.timer);
    else this.registry.sendToUsers(audience, { type: 'chat-typing', conversationId, userId, typing: true });
    const timer = setTimeout(() => this.stop(conversationId, userId), this.config.chat.typingTimeoutMs);
    timer.unref();
    mine.set(conversationId, { audience: current?.audience ?? audience, timer });
    this.typing.set(userId, mine);
  }

  stop(conversationId: string, userId: string): void {
    const mine = this.typing.get(userId);
    const current = mine?.get(conversationId);
    if (!mine || !current) return;
    clearTimeout(current.timer);
    mine.delete(conversationId);
    if (mine.size === 0) this.typing.delete(userId);
    this.registry.sendToUsers(current.audience, { type: 'chat-typing', conversationId, userId, typing: false });
  }
}
