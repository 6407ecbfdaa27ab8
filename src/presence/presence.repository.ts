import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

@Injectable()
export class PresenceRepository {
  constructor(private readonly prisma: PrismaService) {}

  async markSeen(userId: string, at: Date): Promise<void> {
    await this.prisma.user.updateMany({ where: { id: userId }, data: { lastSeenAt: at } });
  }

  profilesOf(userIds: string[], limit: number) {
    return this.prisma.user.findMany({
      where: { id: { in: userIds } },
      select: { id: true, role: true, displayName: true },
      orderBy: { displayName: 'asc' },
      take: limit,
    });
  }

  /** Everyone who has shared a call or a conversation with the user. */
  async contactsOf(userId: string): Promise<string[]> {
    const [asHost, asRecipient, chatted] = await Promise.all([
      this.prisma.call.findMany({
        where: { hostUserId: userId, recipientUserId: { not: null } },
        select: { recipientUserId: true },
        distinct: ['recipientUserId'],
      }),
      this.prisma.call.findMany({ where: { recipientUserId: userId }, select: { hostUserId: true }, distinct: ['hostUserId'] }),
      this.prisma.conversationMember.findMany({
        where: { userId: { not: userId }, conversation: { members: { some: { userId } } } },
        select: { userId: true },
        distinct: ['userId'],
      }),
    ]);
    return [
      ...new Set([...asHost.map((c) => c.recipientUserId!), ...asRecipient.map((c) => c.hostUserId), ...chatted.map((m) => m.userId)]),
    ];
  }
}
