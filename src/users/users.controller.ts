import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../auth/api-authenticated.decorator';
import { ApiErrors, UNSTORABLE_PARAMETER } from '../common/api-errors.decorator';
import { PublicProfileResponse } from './dto/user.response';
import { PublicProfile, toPublicProfile } from './user.presenter';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiAuthenticated()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get(':id')
  @ApiOperation({ summary: "A user's public profile" })
  @ApiOkResponse({ type: PublicProfileResponse })
  @ApiErrors({ validation_failed: UNSTORABLE_PARAMETER, not_found: 'No user has this id' })
  async profile(@Param('id') id: string): Promise<PublicProfile> {
    return toPublicProfile(await this.users.getById(id));
  }
}
