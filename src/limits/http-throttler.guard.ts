import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerRequest } from '@nestjs/throttler';
import { AppError } from '../common/errors';
import { MetricsService } from '../observability/metrics.service';
import { NO_RATE_LIMIT } from './rate-limit.decorators';

/** The HTTP limits, as the throttlers LimitsModule configures are named. */
export type HttpLimit = 'ip' | 'user' | 'auth';

const REFUSALS: Record<HttpLimit, string> = {
  ip: 'Too many requests from this address',
  user: 'Too many requests for this account',
  auth: 'Too many sign-in attempts from this address',
};

/**
 * The HTTP rate limits, counted by HttpAdmissionGuard once JwtAuthGuard has put the user on the
 * request (one token check), or found none.
 *
 * A refused request is 429 `rate_limited` with `Retry-After` (seconds), thrown before pipes,
 * interceptors and the handler: it changes nothing. Thrown from a guard, it goes through the
 * route's own filters, so `/api/video` routes answer in their envelope.
 */
@Injectable()
export class HttpThrottlerGuard extends ThrottlerGuard {
  // A property, so the parent's constructor injection stays as the library declares it.
  @Inject(MetricsService) private readonly metrics!: MetricsService;

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || this.flag(context, NO_RATE_LIMIT)) return true;
    return super.canActivate(context);
  }

  /** One throttler's count for this request; refuses the request when it is over. */
  protected override async handleRequest({
    context,
    limit,
    ttl,
    throttler,
    blockDuration,
    getTracker,
    generateKey,
  }: ThrottlerRequest): Promise<boolean> {
    const { req, res } = this.getRequestResponse(context);
    const name = throttler.name as HttpLimit;
    const key = generateKey(context, await getTracker(req, context), name);
    const { isBlocked, timeToBlockExpire } = await this.storageService.increment(key, ttl, limit, blockDuration, name);
    if (!isBlocked) return true;
    const retryAfter = Math.max(1, timeToBlockExpire);
    this.setResponseHeader(res, 'Retry-After', retryAfter);
    this.onLimited(name);
    throw new AppError('rate_limited', `${REFUSALS[name]}; retry in ${retryAfter} s`);
  }

  /** Every refused HTTP request passes here once: the place to count them for metrics. */
  protected onLimited(limit: HttpLimit): void {
    this.metrics.rateLimited(limit === 'auth' ? 'http-auth' : 'http');
    this.logger.debug(`Refused a request over the ${limit} limit`);
  }

  private flag(context: ExecutionContext, key: string): boolean {
    return this.reflector.getAllAndOverride<boolean>(key, [context.getHandler(), context.getClass()]) === true;
  }
}
