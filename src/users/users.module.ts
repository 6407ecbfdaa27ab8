import { Module } from '@nestjs/common';
import { KnownUsers } from './known-users';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  controllers: [UsersController],
  providers: [UsersRepository, UsersService, KnownUsers],
  exports: [UsersRepository, UsersService, KnownUsers],
})
export class UsersModule {}
