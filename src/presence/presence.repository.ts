import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { MENTOR_ROLES } from '../users/mentor-roles';

/** Ids sent in one statement, well under PostgreSQL's 32 767 parameters. */
const IDS_PER_STATEMENT = 10_000;

@Injectable()
export class PresenceRepository {
  constructor(private readonly prisma: PrismaService) {}

  async markSeen(userId: string, at: Date): Promise<void> {
    await this.prisma.user.updateMany({ where: { id: userId }, data: { lastSeenAt: at } });
  }

  /** The mentors and tutors among `userIds` (any number: read in statements of IDS_PER_STATEMENT). */
  async mentorsAmong(userIds: string[]): Promise<string[]> {
    const found: string[] = [];
    for (let from = 0; from < userIds.length; from += IDS_PER_STATEMENT) {
      const rows = await this.prisma.user.findMany({
        where: { id: { in: userIds.slice(from, from + IDS_PER_STATEMENT) }, role: { in: [...MENTOR_ROLES] } },
        select: { id: true },
      });
      found.push(...rows.map(({ id }) => id));
    }
    return found;
  }

  profilesOf(userIds: string[], limit: number) {
    return this.prisma.user.findMany({
      where: { id: { in: userIds } },
      select: { id: true, role: true, displayName: true },
      orderBy: { displayName: 'asc' },
      take: limit,
    });
  }

  /** Everyone who has shared a call, a conversation or a help request with the user, in one statement. */
  async contactsOf(userId: string): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<Array<{ id: string }>>`
      SELECT recipient_user_id AS id FROM calls WHERE host_user_id = ${userId} AND recipient_user_id IS NOT NULL
      UNION SELECT host_user_id FROM calls WHERE recipient_user_id = ${userId}
      UNION SELECT other.user_id FROM conversation_members mine
        JOIN conversation_members other ON other.conversation_id = mine.conversation_id AND other.user_id <> ${userId}
        WHERE mine.user_id = ${userId}
      UNION SELECT student_id FROM help_requests WHERE accepted_by = ${userId} OR mentor_id = ${userId}
      UNION SELECT COALESCE(accepted_by, mentor_id) FROM help_requests
        WHERE student_id = ${userId} AND COALESCE(accepted_by, mentor_id) IS NOT NULL`;
    return rows.map((row) => row.id);
  }
}
