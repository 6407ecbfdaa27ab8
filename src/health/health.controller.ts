import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/public.decorator';
import { REDIS } from '../cluster/cluster.tokens';
import type { RedisConnections } from '../cluster/redis-connections';
import { PrismaService } from '../database/prisma.service';
import { NoRateLimit } from '../limits/rate-limit.decorators';

type Check = 'up' | 'down';

@Public()
@NoRateLimit()
@Controller('health')
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(REDIS) private readonly redis: RedisConnections | null,
  ) {}

  /** Liveness: the process answers. */
  @Get()
  @HttpCode(200)
  live() {
    return { status: 'ok' };
  }

  /** Readiness: the database (and Redis, when configured) answer too; 503 sends a load balancer elsewhere. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response) {
    const checks: { database: Check; redis?: Check } = { database: (await this.prisma.isReachable()) ? 'up' : 'down' };
    if (this.redis) checks.redis = this.redis.isReady ? 'up' : 'down';
    const ok = Object.values(checks).every((check) => check === 'up');
    if (!ok) response.status(503);
    return { status: ok ? 'ok' : 'unavailable', ...checks };
  }
}
