import { Controller, Get, Param, Query } from '@nestjs/common';
import { MentorsQueryDto } from './dto/mentors-query.dto';
import { MentorStatusService } from './mentor-status.service';
import { PresenceService } from './presence.service';

@Controller('presence')
export class PresenceController {
  constructor(
    private readonly presence: PresenceService,
    private readonly mentors: MentorStatusService,
  ) {}

  @Get('mentors')
  listMentors(@Query() query: MentorsQueryDto) {
    return this.mentors.list(query);
  }

  @Get(':userId')
  get(@Param('userId') userId: string) {
    return this.presence.get(userId);
  }
}
