import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { JwtAuthGuard } from '../auth/jwt-auth.guard';
import { AppError } from '../common/errors';
import { HttpThrottlerGuard } from './http-throttler.guard';

/**
 * The one global guard, so its order has one home: the bearer token is checked (JwtAuthGuard),
 * then the rate limits are counted (HttpThrottlerGuard), by address and, once the token has named
 * one, by user. A request refused for its token is counted against its address before it is
 * refused: an address cannot try tokens, or load the server with them, without limit, and one
 * over its limit is told so (429) whatever it sends.
 */
@Injectable()
export class HttpAdmissionGuard implements CanActivate {
  constructor(
    private readonly authentication: JwtAuthGuard,
    private readonly limits: HttpThrottlerGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      if (!(await this.authentication.canActivate(context))) return false;
    } catch (refusal) {
      if (refusal instanceof AppError && refusal.code === 'unauthorized') await this.limits.canActivate(context);
      throw refusal;
    }
    return this.limits.canActivate(context);
  }
}
