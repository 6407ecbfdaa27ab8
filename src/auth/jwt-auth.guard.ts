import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppError } from '../common/errors';
import { IS_PUBLIC } from './public.decorator';

/** Every HTTP route needs a bearer token unless marked @Public() (run by the global HttpAdmissionGuard). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    return isPublic ? true : super.canActivate(context);
  }

  override handleRequest<TUser>(error: unknown, user: TUser, info: unknown): TUser {
    // An error (not a failed check) came from looking the user up: a database outage is not a bad token.
    if (error) throw error as Error;
    if (user) return user;
    const reason = info instanceof Error ? info : undefined;
    if (reason?.name === 'TokenExpiredError') throw new AppError('unauthorized', 'Access token expired');
    if (!reason || reason.message === 'No auth token') {
      throw new AppError('unauthorized', 'Missing bearer token in the Authorization header');
    }
    throw new AppError('unauthorized', 'Invalid access token');
  }
}
