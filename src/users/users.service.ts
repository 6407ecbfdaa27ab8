import { Injectable } from '@nestjs/common';
import { User } from '../generated/prisma/client';
import { AppError } from '../common/errors';
import { subjectOf } from '../help/help-queues';
import { isMentorRole } from './mentor-roles';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  async getById(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new AppError('not_found', 'User not found');
    return user;
  }

  async subjects(userId: string): Promise<string[]> {
    return (await this.mentor(userId)).subjects;
  }

  /** Stored as help requests' topics are compared (see subjectOf), without repeats. */
  async setSubjects(userId: string, subjects: string[]): Promise<string[]> {
    await this.mentor(userId);
    const normalized = [...new Set(subjects.map(subjectOf))].filter((subject) => subject !== '');
    return (await this.users.update(userId, { subjects: normalized })).subjects;
  }

  private async mentor(userId: string): Promise<User> {
    const user = await this.getById(userId);
    if (!isMentorRole(user.role)) throw new AppError('forbidden', 'Only mentors and tutors have subjects');
    return user;
  }
}
