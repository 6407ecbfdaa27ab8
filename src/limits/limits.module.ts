import { ExecutionContext, Module } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { AuthUser } from '../auth/auth-user';
import { REDIS } from '../cluster/cluster.tokens';
import type { RedisConnections } from '../cluster/redis-connections';
import { AuthModule } from '../auth/auth.module';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { HttpAdmissionGuard } from './http-admission.guard';
import { HttpThrottlerGuard } from './http-throttler.guard';
import { AUTH_ATTEMPT } from './rate-limit.decorators';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const MINUTE_MS = 60_000;

type LimitedRequest = { user?: AuthUser };

function httpLimits(config: AppConfig, redis: RedisConnections | null, reflector: Reflector): ThrottlerModuleOptions {
  const isAuthAttempt = (context: ExecutionContext) =>
    reflector.getAllAndOverride<boolean>(AUTH_ATTEMPT, [context.getHandler(), context.getClass()]) === true;
  const hasUser = (context: ExecutionContext) => context.switchToHttp().getRequest<LimitedRequest>().user !== undefined;
  // blockDuration 0: a window, not a penalty. A request over the limit is refused and not counted,
  // and the client may go on as soon as the window has room again.
  const perMinute = { ttl: MINUTE_MS, blockDuration: 0 };
  return {
    throttlers: [
      // Every request by client address (req.ip: TRUST_PROXY decides whether X-Forwarded-For
      // counts), except sign-ins, which have a budget of their own below.
      { name: 'ip', limit: config.limits.httpPerMinute, ...perMinute, skipIf: isAuthAttempt },
      // Every authenticated request by user, from whichever addresses.
      {
        name: 'user',
        limit: config.limits.httpPerMinute,
        ...perMinute,
        skipIf: (context) => !hasUser(context),
        getTracker: (req) => (req as LimitedRequest).user!.id,
      },
      // Register and login by client address.
      { name: 'auth', limit: config.limits.authPerMinute, ...perMinute, skipIf: (context) => !isAuthAttempt(context) },
    ],
    // One count per client across all routes (the library's default key is per route).
    generateKey: (_context, tracker, name) => `${name}:${tracker}`,
    // Unset: @nestjs/throttler's in-memory storage, for a single instance.
    storage: redis ? new RedisThrottlerStorage(redis, config.redis!.prefix) : undefined,
    // Only Retry-After, on refusal (the guard sets it); no per-throttler X-RateLimit-* headers.
    setHeaders: false,
  };
}

/**
 * HTTP rate limits (CONTRACT.md §9): RATE_LIMIT_HTTP_PER_MIN per IP and per user,
 * RATE_LIMIT_AUTH_PER_MIN per IP for register and login; counts in Redis when it is configured.
 * Its guard runs after the token check, both in the global HttpAdmissionGuard.
 */
@Module({
  imports: [
    AuthModule,
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, REDIS, Reflector],
      useFactory: httpLimits,
    }),
  ],
  providers: [HttpThrottlerGuard, { provide: APP_GUARD, useClass: HttpAdmissionGuard }],
})
export class LimitsModule {}
