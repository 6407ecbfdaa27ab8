import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../auth/api-authenticated.decorator';
import { ApiErrors, UNSTORABLE_PARAMETER } from '../common/api-errors.decorator';
import { MentorsQueryDto } from './dto/mentors-query.dto';
import { MentorStatusResponse, PresenceResponse } from './dto/presence.response';
import { MentorStatusService } from './mentor-status.service';
import { PresenceService } from './presence.service';

@ApiTags('presence')
@ApiAuthenticated()
@Controller('presence')
export class PresenceController {
  constructor(
    private readonly presence: PresenceService,
    private readonly mentors: MentorStatusService,
  ) {}

  @Get('mentors')
  @ApiOperation({
    summary: 'Mentors and tutors with their availability',
    description: 'A mentor in an active call shows `busy`; one with no connection shows `offline`.',
  })
  @ApiOkResponse({ type: [MentorStatusResponse] })
  @ApiErrors({ validation_failed: 'status or role is not one of the listed values' })
  listMentors(@Query() query: MentorsQueryDto) {
    return this.mentors.list(query);
  }

  @Get(':userId')
  @ApiOperation({ summary: "A user's presence" })
  @ApiOkResponse({ type: PresenceResponse })
  @ApiErrors({ validation_failed: UNSTORABLE_PARAMETER, not_found: 'No user has this id' })
  get(@Param('userId') userId: string) {
    return this.presence.get(userId);
  }
}
