import { Injectable } from '@nestjs/common';
import { Prisma, User, UserRole } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';

export interface NewUser {
  id?: string;
  email: string;
  passwordHash: string | null;
  displayName: string;
  avatarUrl?: string | null;
  role: UserRole;
  externalIssuer?: string | null;
}

/** Which unique field a create collided with, if any. */
export type UniqueConflict = 'email' | 'id';

export class UserConflictError extends Error {
  constructor(readonly field: UniqueConflict) {
    super(`A user with this ${field} already exists`);
  }
}

@Injectable()
export class UsersRepository {
  constructor(private readonly prisma: PrismaService) {}

  findById(id: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { id } });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { email } });
  }

  update(id: string, data: { subjects: string[] }): Promise<User> {
    return this.prisma.user.update({ where: { id }, data });
  }

  async create(data: NewUser): Promise<User> {
    try {
      return await this.prisma.user.create({ data });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new UserConflictError(conflictField(error));
      }
      throw error;
    }
  }
}

function conflictField(error: Prisma.PrismaClientKnownRequestError): UniqueConflict {
  const detail = JSON.stringify(error.meta ?? {});
  return detail.includes('email') ? 'email' : 'id';
}
