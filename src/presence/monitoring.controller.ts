import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../auth/api-authenticated.decorator';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { CallsService } from '../calls/calls.service';
import { ApiErrors } from '../common/api-errors.decorator';
import { AppError } from '../common/errors';
import { ConnectedUserResponse, MentorStatusUpdateResponse, ServerStatusResponse } from './dto/monitoring.response';
import { MentorStatusService } from './mentor-status.service';
import { PresenceService } from './presence.service';

/** The InstantMentor app's monitoring routes (CONTRACT.md §8), for a signed-in dashboard. */
@ApiTags('monitoring')
@ApiAuthenticated()
@Controller('api')
export class MonitoringController {
  constructor(
    private readonly presence: PresenceService,
    private readonly mentors: MentorStatusService,
    private readonly calls: CallsService,
  ) {}

  @Get('status')
  @ApiOperation({ summary: 'Counts for a dashboard: users online, open calls, available mentors' })
  @ApiOkResponse({ type: ServerStatusResponse })
  async status(): Promise<ServerStatusResponse> {
    const [online, openCalls, available] = await Promise.all([
      this.presence.onlineUserIds(),
      this.calls.openCount(),
      this.mentors.list({ status: 'available' }),
    ]);
    return {
      status: 'online',
      connectedUsers: online.length,
      activeCalls: openCalls,
      availableMentors: available.length,
      uptime: process.uptime(),
      timestamp: new Date().toISOString(),
    };
  }

  @Get('users')
  @ApiOperation({ summary: 'The users online now (administrators only)', description: 'At most 1 000, by name.' })
  @ApiOkResponse({ type: [ConnectedUserResponse] })
  @ApiErrors({ forbidden: 'You are not an administrator' })
  async users(@CurrentUser() user: AuthUser): Promise<ConnectedUserResponse[]> {
    if (user.role !== 'admin') throw new AppError('forbidden', 'Only administrators can list who is online');
    const online = await this.presence.onlineProfiles(1000);
    return online.map((profile) => ({ userId: profile.id, userRole: profile.role, displayName: profile.displayName }));
  }

  @Get('mentors')
  @ApiOperation({ summary: "Every mentor's and tutor's status, in the InstantMentor app's words" })
  @ApiOkResponse({ type: [MentorStatusUpdateResponse] })
  mentorStatuses(): Promise<MentorStatusUpdateResponse[]> {
    return this.mentors.statusUpdates({});
  }
}
