import { Controller, Get, Param } from '@nestjs/common';
import { PublicProfile, toPublicProfile } from './user.presenter';
import { UsersService } from './users.service';

@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get(':id')
  async profile(@Param('id') id: string): Promise<PublicProfile> {
    return toPublicProfile(await this.users.getById(id));
  }
}
