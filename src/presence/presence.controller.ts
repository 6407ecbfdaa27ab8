import { Controller, Get, Param } from '@nestjs/common';
import { PresenceService } from './presence.service';

@Controller('presence')
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  @Get(':userId')
  get(@Param('userId') userId: string) {
    return this.presence.get(userId);
  }
}
