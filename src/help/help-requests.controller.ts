import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAuthenticated } from '../auth/api-authenticated.decorator';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiErrors, BODY_TOO_LARGE, UNSTORABLE_PARAMETER, type RouteErrors } from '../common/api-errors.decorator';
import { CreateHelpRequestDto, HelpMessageDto, HelpRequestsQueryDto } from './dto/help-request.dto';
import { HelpMessageResponse, HelpRequestResponse } from './dto/help-request.response';
import { HelpRequestsService } from './help-requests.service';

/** What a route that reads or moves one help request by id can run into. */
const BY_ID_ERRORS: RouteErrors = {
  validation_failed: UNSTORABLE_PARAMETER,
  not_found: 'No such help request, or not one you can see',
};

@ApiTags('help requests')
@ApiAuthenticated()
@Controller('help-requests')
export class HelpRequestsController {
  constructor(private readonly help: HelpRequestsService) {}

  @Post()
  @ApiOperation({
    summary: 'Ask for help (students) (ext)',
    description:
      'The request waits in its queue (target type and topic) and is offered to the mentors matched to the topic, then to every available one. The student hears `help_request_position` as their place changes.',
  })
  @ApiCreatedResponse({ type: HelpRequestResponse })
  @ApiErrors({
    validation_failed: 'topic is missing or too long, or targetType or urgency is not one of the listed values',
    forbidden: 'Only students ask for help',
    not_found: 'mentorId names no mentor or tutor',
    payload_too_large: BODY_TOO_LARGE,
  })
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateHelpRequestDto) {
    return this.help.create(user.id, dto);
  }

  @Get()
  @ApiOperation({
    summary: 'Help requests: a student’s own, or the queue a mentor may take from (ext)',
    description: 'At most 100. Mentors and tutors also hear `help_queue_changed` with the count as it changes.',
  })
  @ApiOkResponse({ type: [HelpRequestResponse] })
  @ApiErrors({ validation_failed: 'status is not one of the listed values' })
  list(@CurrentUser() user: AuthUser, @Query() query: HelpRequestsQueryDto) {
    return this.help.list(user.id, query.status);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A help request, with its place in its queue while it waits (ext)' })
  @ApiOkResponse({ type: HelpRequestResponse })
  @ApiErrors(BY_ID_ERRORS)
  get(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.help.get(user.id, id);
  }

  @Post(':id/accept')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Take a help request (mentors and tutors) (ext)',
    description:
      'Reserves it: call the student before `reservedUntil`, or it goes back to the head of its queue and is not offered to you again.',
  })
  @ApiOkResponse({ type: HelpRequestResponse })
  @ApiErrors({
    ...BY_ID_ERRORS,
    forbidden:
      'Only mentors and tutors take help requests; this one is for another mentor or type, or your reservation of it ended without a call',
    invalid_state: 'It is no longer waiting (someone took it first, or it was cancelled or expired)',
  })
  accept(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.help.accept(user.id, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw your help request, waiting or reserved (ext)' })
  @ApiOkResponse({ type: HelpRequestResponse })
  @ApiErrors({ ...BY_ID_ERRORS, invalid_state: 'It is already fulfilled, cancelled or expired' })
  cancel(@CurrentUser() user: AuthUser, @Param('id') id: string) {
    return this.help.cancel(user.id, id);
  }

  @Post(':id/message')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Leave a message for the queue’s mentors after your request expired (ext)',
    description:
      'Once per request. It goes, as a chat message from you, to the mentors matched to its topic (else to those of its type online), at most 50; any of them can answer it.',
  })
  @ApiOkResponse({ type: HelpMessageResponse })
  @ApiErrors({
    ...BY_ID_ERRORS,
    validation_failed: 'text is missing or over 2 000 characters',
    invalid_state: 'The request has not expired, or a message was already left',
    payload_too_large: BODY_TOO_LARGE,
  })
  leaveMessage(@CurrentUser() user: AuthUser, @Param('id') id: string, @Body() dto: HelpMessageDto) {
    return this.help.leaveMessage(user.id, id, dto.text);
  }
}
