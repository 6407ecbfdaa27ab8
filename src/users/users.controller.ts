import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../auth/api-authenticated.decorator';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors, BODY_TOO_LARGE, UNSTORABLE_PARAMETER } from '../common/api-errors.decorator';
import { SubjectsDto } from './dto/subjects.dto';
import { PublicProfileResponse } from './dto/user.response';
import { PublicProfile, toPublicProfile } from './user.presenter';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiAuthenticated()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me/subjects')
  @ApiOperation({ summary: 'Your subjects (mentors and tutors) (ext)' })
  @ApiOkResponse({ type: SubjectsDto })
  @ApiErrors({ forbidden: 'Only mentors and tutors have subjects' })
  async subjects(@CurrentUser() user: AuthUser): Promise<SubjectsDto> {
    return { subjects: await this.users.subjects(user.id) };
  }

  @Put('me/subjects')
  @ApiOperation({
    summary: 'Set your subjects (mentors and tutors) (ext)',
    description: 'Help requests whose topic is one of them are offered to you first, before every available mentor hears of them.',
  })
  @ApiOkResponse({ type: SubjectsDto })
  @ApiErrors({
    validation_failed: 'subjects is not a list of at most 50 texts of 1 to 200 characters',
    forbidden: 'Only mentors and tutors have subjects',
    payload_too_large: BODY_TOO_LARGE,
  })
  async setSubjects(@CurrentUser() user: AuthUser, @Body() dto: SubjectsDto): Promise<SubjectsDto> {
    return { subjects: await this.users.setSubjects(user.id, dto.subjects) };
  }

  @Get(':id')
  @ApiOperation({ summary: "A user's public profile" })
  @ApiOkResponse({ type: PublicProfileResponse })
  @ApiErrors({ validation_failed: UNSTORABLE_PARAMETER, not_found: 'No user has this id' })
  async profile(@Param('id') id: string): Promise<PublicProfile> {
    return toPublicProfile(await this.users.getById(id));
  }
}
