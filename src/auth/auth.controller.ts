import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { AuthAttempt } from '../limits/rate-limit.decorators';
import { SelfView, toSelfView } from '../users/user.presenter';
import type { AuthUser } from './auth-user';
import { AuthService, Session } from './auth.service';
import { CurrentUser } from './current-user.decorator';
import { LoginDto } from './dto/login.dto';
import { RegisterDto } from './dto/register.dto';
import { Public } from './public.decorator';

@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @AuthAttempt()
  @Post('register')
  register(@Body() dto: RegisterDto): Promise<Session> {
    return this.auth.register(dto);
  }

  @Public()
  @AuthAttempt()
  @Post('login')
  @HttpCode(200)
  login(@Body() dto: LoginDto): Promise<Session> {
    return this.auth.login(dto);
  }

  @Get('me')
  me(@CurrentUser() user: AuthUser): SelfView {
    return toSelfView(user);
  }
}
