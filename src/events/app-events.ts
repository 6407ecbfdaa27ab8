import { Injectable } from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import type { Socket } from 'socket.io';
import type { ConnectionUser } from '../auth/auth-user';
import type { CallMove, CallNotice } from '../calls/call-notices';
import type { CallView } from '../calls/call.presenter';
import type { MessageView } from '../chat/chat.presenter';
import type { RealtimeConnection } from '../realtime/connection-registry.service';
import type { PresenceNotice } from '../realtime/realtime-notice';

/**
 * Every event a module raises for others, with its payload: who raises it is named here, who
 * listens is found by searching for `@OnAppEvent('<name>')`.
 */
export interface AppEventMap {
  /** The call core created or moved a call (after it was stored). */
  'call.moved': { call: CallView; move: CallMove };
  /** The call core: a party is in the call from this connection (it started, accepted or joined there). */
  'call.engaged': { callId: string; userId: string; connectionId: string };
  /** The call core told these users of a call (to every connection of theirs, wherever it is). */
  'call.notice': { userIds: string[]; notice: CallNotice };
  /** The connection registry: a connection of this instance is authenticated and booked; waited for before it is told so. */
  'connection.added': RealtimeConnection;
  /** The connection registry: a connection is gone, from this instance or from a dead one. */
  'connection.removed': { connectionId: string; userId: string };
  /** The connection registry: a user's last connection anywhere is gone. */
  'user.disconnected': { userId: string };
  /**
   * The connection registry: the shared state was lost (Redis restarted empty) or this instance was
   * presumed dead, and its connections are booked again: what hangs off them is rebuilt.
   */
  'connections.rebooked': { connections: RealtimeConnection[] };
  /** Socket.IO authentication: a socket is authenticated (at its handshake or by `authenticate`). */
  'socket.authenticated': { socket: Socket; user: ConnectionUser };
  /** Presence: a user came online or went offline (after the grace); a mentor's notice is for MentorStatusService to send. */
  'presence.changed': { notice: PresenceNotice };
  /** Mentor status: a mentor or tutor was just told to be available (chosen, online again, or out of a call). */
  'mentor.available': { mentorId: string };
  /** Chat: a new message, and the members it is for. */
  'chat.message': { message: MessageView; recipientIds: string[] };
}

export type AppEventName = keyof AppEventMap;

/**
 * Raises internal events. `emit` starts every listener and waits for none; `emitAndWait` resolves
 * once the listeners that returned a promise have finished, for a step the caller's next words
 * depend on. A listener's failure is logged and never reaches the emitter.
 */
@Injectable()
export class AppEvents {
  constructor(private readonly emitter: EventEmitter2) {}

  emit<E extends AppEventName>(name: E, payload: AppEventMap[E]): void {
    this.emitter.emit(name, payload);
  }

  async emitAndWait<E extends AppEventName>(name: E, payload: AppEventMap[E]): Promise<void> {
    await this.emitter.emitAsync(name, payload);
  }
}

/** Subscribes a provider's method to an internal event; the compiler checks that it takes the event's payload. */
export function OnAppEvent<E extends AppEventName>(name: E) {
  return (target: object, key: string | symbol, descriptor: { value?: (payload: AppEventMap[E]) => void | Promise<void> }): void => {
    OnEvent(name)(target, key, descriptor as PropertyDescriptor);
  };
}
