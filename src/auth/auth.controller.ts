import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, BODY_TOO_LARGE } from '../common/api-errors.decorator';
import { AuthAttempt } from '../limits/rate-limit.decorators';
import { UserResponse } from '../users/dto/user.response';
import { SelfView, toSelfView } from '../users/user.presenter';
import { ApiAuthenticated } from './api-authenticated.decorator';
import type { AuthUser } from './auth-user';
import { AuthService, Session } from './auth.service';
import { CurrentUser } from './current-user.decorator';
import { AuthResultResponse } from './dto/auth-result.response';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';
import { Public } from './public.decorator';

/** Sign-in attempts have a budget of their own (RATE_LIMIT_AUTH_PER_MIN per address). */
const SIGN_IN_LIMIT = 'Over RATE_LIMIT_AUTH_PER_MIN register and login attempts a minute from this address';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @AuthAttempt()
  @Post('register')
  @ApiOperation({
    summary: 'Create an account and sign in',
    description: 'Emails are trimmed and lower-cased. `role: admin` cannot be self-registered.',
  })
  @ApiCreatedResponse({ type: AuthResultResponse, description: 'The new user, signed in' })
  @ApiErrors({
    validation_failed: 'A field is missing or invalid (per-field messages in `details`), or the body is not a JSON object',
    invalid_state: 'This email is already registered (`details.email`)',
    payload_too_large: BODY_TOO_LARGE,
    rate_limited: SIGN_IN_LIMIT,
  })
  register(@Body() dto: RegisterDto): Promise<Session> {
    return this.auth.register(dto);
  }

  @Public()
  @AuthAttempt()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with email and password' })
  @ApiOkResponse({ type: AuthResultResponse })
  @ApiErrors({
    validation_failed: 'email or password is missing or not a string',
    unauthorized: 'Wrong email or password (the same answer for both, in the same time)',
    payload_too_large: BODY_TOO_LARGE,
    rate_limited: SIGN_IN_LIMIT,
  })
  login(@Body() dto: LoginDto): Promise<Session> {
    return this.auth.login(dto);
  }

  @Get('me')
  @ApiAuthenticated()
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserResponse })
  me(@CurrentUser() user: AuthUser): SelfView {
    return toSelfView(user);
  }
}
