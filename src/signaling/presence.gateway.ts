import { ConnectedSocket, MessageBody, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import type { UserRole } from '@call-signaling/client';
import { AppError } from '../common/errors';
import { PresenceSubscribeDto, PresenceWatchDto } from '../presence/dto/mentors-query.dto';
import { MENTOR_PAGE_SIZE, MentorStatusService } from '../presence/mentor-status.service';
import { ConnectionRegistry, RealtimeConnection } from '../realtime/connection-registry.service';
import { MAX_WATCHED_USERS } from '../realtime/presence-interests';
import { SocketEvent } from '../realtime/socket-event.decorator';

const BOTH_ROLES: readonly UserRole[] = ['mentor', 'tutor'];

/**
 * (ext) Presence by interest, on every Socket.IO dialect: a connection opens a mentor list
 * (answered with a page of it, then each change of a mentor of its roles) or names users, and
 * from then on hears of those mentors rather than of whoever the deployment broadcasts (README,
 * "Presence by interest").
 */
@WebSocketGateway()
export class PresenceGateway {
  constructor(
    private readonly mentors: MentorStatusService,
    private readonly registry: ConnectionRegistry,
  ) {}

  @SocketEvent('presence_subscribe')
  async subscribe(@ConnectedSocket() socket: Socket, @MessageBody() dto: PresenceSubscribeDto) {
    const connection = this.connectionOf(socket);
    return this.answerThenChanges(connection, () => {
      this.registry.interests.openList(connection, dto.role ? [dto.role] : BOTH_ROLES);
      return this.mentors.page({ role: dto.role, status: dto.status }, dto.limit ?? MENTOR_PAGE_SIZE, dto.cursor);
    });
  }

  @SocketEvent('presence_watch')
  async watch(@ConnectedSocket() socket: Socket, @MessageBody() dto: PresenceWatchDto) {
    const connection = this.connectionOf(socket);
    return this.answerThenChanges(connection, async () => {
      if (!this.registry.interests.watch(connection, dto.userIds))
        throw new AppError('validation_failed', `A connection watches at most ${MAX_WATCHED_USERS} users`, {
          userIds: [`at most ${MAX_WATCHED_USERS} users in all`],
        });
      return { mentors: await this.mentors.views(dto.userIds) };
    });
  }

  /** Back to what a connection that never subscribed hears. */
  @SocketEvent('presence_unsubscribe')
  unsubscribe(@ConnectedSocket() socket: Socket) {
    this.registry.interests.clear(this.connectionOf(socket));
    return {};
  }

  /** Changes from the moment of subscribing are held until the answer (read after it) has gone. */
  private async answerThenChanges<T>(connection: RealtimeConnection, subscribe: () => Promise<T>): Promise<T> {
    this.registry.holdWatched(connection);
    try {
      return await subscribe();
    } finally {
      this.registry.releaseWatchedAfterReply(connection);
    }
  }

  private connectionOf(socket: Socket): RealtimeConnection {
    const connection = this.registry.local(socket.id);
    if (!connection) throw new AppError('unauthorized', 'Authenticate first');
    return connection;
  }
}
