import { Injectable } from '@nestjs/common';
import { User } from '../generated/prisma/client';
import { AppError } from '../common/errors';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  async getById(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new AppError('not_found', 'User not found');
    return user;
  }
}
